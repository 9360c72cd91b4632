// Interactive runs over WebSocket through the real server, gcc, bwrap and the pseudo-terminal relay: prompts before
// input, streaming, end-of-input, signals, the idle limit, a socket that goes away, every bad message, the origin
// and token checks, a full server — each with a clean host afterwards.
import fs from 'node:fs';
import http from 'node:http';
import test from 'ava';
import {assertHostClean, eventuallyClean, eventuallyLogged, example, leftoverProcesses, startServer, testLimits, waitFor, type RunningServer} from '../helpers/server.ts';
import {rawRequest} from '../helpers/raw-http.ts';
import {connect, refusedUpgrade, type SessionClient} from '../helpers/ws-client.ts';

const token = 'interactive-test-token-0123';
/** The idle limit of `quick`, the server of the idle-limit tests; the others' is long, so that a stall of the test's
 * own event loop never passes for a client gone quiet. */
const idleMs = 5000;
const wallMs = 3000;
const bodyLimit = 65_536;
let server: RunningServer;
let quick: RunningServer;

test.before(async () => {
	const env = {
		C_RUNNER_TOKEN: token,
		C_RUNNER_INTERACTIVE_IDLE_MS: '30000',
		C_RUNNER_INTERACTIVE_WALL_MS: String(wallMs),
		C_RUNNER_INTERACTIVE_SESSIONS: '3',
		C_RUNNER_BODY_LIMIT_BYTES: String(bodyLimit),
		C_RUNNER_CORS_ORIGINS: 'https://docs.example.com',
	};
	[server, quick] = await Promise.all([
		startServer({uidBase: 63_100, env}),
		startServer({uidBase: 63_120, env: {...env, C_RUNNER_INTERACTIVE_IDLE_MS: String(idleMs), C_RUNNER_INTERACTIVE_WALL_MS: '20000'}}),
	]);
});

test.after.always(async () => {
	await Promise.all([server?.stop(), quick?.stop()]);
});

const open = async (code?: string, extra: Record<string, unknown> = {}, target = server): Promise<SessionClient> => {
	const client = connect(target, {token});
	await client.opened;
	if (code !== undefined) {
		client.send({type: 'start', code, ...extra});
	}

	return client;
};

/** How many job slots /health says are running. */
const runningSlots = async (target: RunningServer) => ((await (await fetch(`${target.url}/health`)).json() as Record<string, any>)['slots'].running as number);
/** Whether /health says no job slot is running, within `withinMs`: a session gives its slot back as it unwinds. */
const slotsFree = async (target = server, withinMs = 5000) => waitFor(async () => await runningSlots(target) === 0, withinMs);

test.serial('a prompt reaches the client before it sends anything; input, answer, input again', async t => {
	const client = await open(example('interactive-greeting.c'));
	const compiled = await client.waitForType('compile');
	t.like(compiled, {status: 'ok', error: null});
	const prompt = await client.waitForStdout('Name: ');
	t.is(client.stdout(), 'Name: ', 'the prompt, and nothing sent yet');
	t.log(`prompt ${Math.round(prompt.at - client.received.find(entry => entry.message['type'] === 'compile')!.at)} ms after the compile message`);
	client.send({type: 'stdin', data: 'Ada\n'});
	await client.waitForStdout('Age: ');
	t.is(client.stdout(), 'Name: Hello, Ada!\nAge: ');
	client.send({type: 'stdin', data: '36\n'});
	const exit = await client.waitForType('exit');
	t.like(exit, {status: 'ok', exit_code: 0, signal: null, idle_timeout: false, output: 'Name: Hello, Ada!\nAge: In ten years you will be 46.\n', error: ''});
	t.is(typeof exit['time_ms'], 'number');
	t.is(typeof exit['memory_kb'], 'number');
	t.is(exit['limits'].output_bytes, Number(testLimits.C_RUNNER_OUTPUT_BYTES));
	t.deepEqual(await client.closed, {code: 1000, reason: 'run finished'});
	await assertHostClean(t, server);
});

test.serial('output arrives as it is written, long before the exit', async t => {
	const client = await open(example('interactive-ticks.c'));
	const exit = await client.waitFor(entry => entry.message['type'] === 'exit', 'exit');
	const ticks = client.received.filter(entry => entry.message['type'] === 'stdout');
	t.is(ticks.map(entry => entry.message['data']).join(''), 'tick 1\ntick 2\ntick 3\n');
	t.true(ticks.length >= 3, 'one message per line');
	// The program sleeps 600 ms between its first line and its end.
	t.true(exit.at - ticks[0]!.at > 300, `first line ${Math.round(exit.at - ticks[0]!.at)} ms before the exit`);
	t.is((await client.closed).code, 1000);
	await assertHostClean(t, server);
});

test.serial('end-of-input: a partial line, then end-of-file; stdin and stdout are a terminal, stderr is not', async t => {
	const client = await open(example('interactive-count.c'));
	await client.waitForStdout('tty ');
	client.send({type: 'stdin', data: 'abc\n'});
	client.send({type: 'stdin', data: 'de'});
	client.send({type: 'eof'});
	const exit = await client.waitForType('exit');
	t.like(exit, {status: 'ok', output: 'tty 1 1 0\nbytes=6\n'});
	t.is((await client.closed).code, 1000);
	await assertHostClean(t, server);
});

test.serial('stdin in the start message, and stderr as its own stream', async t => {
	const code = '#include <stdio.h>\nint main(void) { char s[32]; if (scanf("%31s", s) != 1) return 1; fprintf(stderr, "to stderr\\n"); printf("read %s\\n", s); return 4; }';
	const client = await open(code, {stdin: 'given\n'});
	const exit = await client.waitForType('exit');
	t.like(exit, {status: 'runtime_error', exit_code: 4, output: 'read given\n', error: 'to stderr\n'});
	t.is(client.received.filter(entry => entry.message['type'] === 'stderr').map(entry => entry.message['data']).join(''), 'to stderr\n');
	t.is((await client.closed).code, 1000);
	await assertHostClean(t, server);
});

test.serial('an interrupt from the client stops a waiting program', async t => {
	const client = await open(example('interactive-wait.c'));
	await client.waitForStdout('ready\n');
	client.send({type: 'signal', signal: 'interrupt'});
	const exit = await client.waitForType('exit');
	t.like(exit, {status: 'signalled', signal: 'SIGINT', exit_code: -2, idle_timeout: false});
	t.is((await client.closed).code, 1000);
	await assertHostClean(t, server);
});

test.serial('an interrupt sent with the start, before the program runs, is not lost', async t => {
	// Once: the relay signalled the program's process group before the program had made it, and the signal was lost.
	const client = await open(example('interactive-wait.c'));
	client.send({type: 'signal', signal: 'interrupt'});
	const exit = await client.waitForType('exit');
	t.like(exit, {status: 'signalled', signal: 'SIGINT', exit_code: -2});
	t.is((await client.closed).code, 1000);
	await assertHostClean(t, server);
});

test.serial('more input at once than the relay\'s buffers hold reaches the program whole: interactive-count-lines.c', async t => {
	// Once: 128 KiB or more of queued input stopped the relay for good (the program never got it, signals neither).
	const client = await open(example('interactive-count-lines.c'));
	// Three messages of 44,000 bytes (each under the server's message limit): the relay's 64 KiB buffers cannot
	// hold them all, so a frame waits for the terminal to take what it holds.
	for (let part = 0; part < 3; part++) {
		client.send({type: 'stdin', data: `${'x'.repeat(99)}\n`.repeat(440)});
	}

	client.send({type: 'eof'});
	t.like(await client.waitForType('exit', 20_000), {status: 'ok', output: 'lines=1320\n'});
	t.is((await client.closed).code, 1000);
	await assertHostClean(t, server);
});

test.serial('a kill from the client', async t => {
	const client = await open(example('interactive-wait.c'));
	await client.waitForStdout('ready\n');
	client.send({type: 'signal', signal: 'kill'});
	t.like(await client.waitForType('exit'), {status: 'signalled', signal: 'SIGKILL', exit_code: -9});
	t.is((await client.closed).code, 1000);
	await assertHostClean(t, server);
});

test.serial('an idle program is stopped by the idle limit, and is charged no CPU time while it waits', async t => {
	// A CPU limit of 20 ms (the program's start takes some 7): the helper's pid probes, 6 ms of CPU a second, were
	// once charged to the program and stopped it within 4 s, before the idle limit.
	const client = await open(example('interactive-wait.c'), {time_limit_ms: 20}, quick);
	await client.waitForStdout('ready\n');
	const started = performance.now();
	const exit = await client.waitForType('exit');
	t.like(exit, {status: 'time_limit', stopped_by: 'wall_time', timed_out: true, idle_timeout: true, output: 'ready\n'});
	t.true(performance.now() - started >= idleMs * 0.8);
	t.is((await client.closed).code, 1000);
	await assertHostClean(t, quick);
});

test.serial('a program that is never idle is stopped by the interactive wall limit', async t => {
	const client = await open(example('interactive-chatty.c'));
	const exit = await client.waitForType('exit');
	t.like(exit, {status: 'time_limit', stopped_by: 'wall_time', timed_out: true, idle_timeout: false, exit_code: -9});
	t.is(exit['limits'].wall_time_ms, wallMs);
	t.true(client.stdout().split('\n').length > 5, 'it kept writing until the limit');
	t.is((await client.closed).code, 1000);
	await assertHostClean(t, server);
});

test.serial('a socket that closes mid-run leaves no process and no directory', async t => {
	const client = await open(example('interactive-wait.c'));
	await client.waitForStdout('ready\n');
	t.true(leftoverProcesses(server).length > 0, 'the program runs');
	client.socket.terminate();
	await eventuallyClean(server);
	await assertHostClean(t, server);
	// The log line follows the clean-up, and comes through the server's stdout on its own time.
	t.true(await eventuallyLogged(server, entry => entry['msg'] === 'interactive session done' && entry['jobStatus'] === 'client_gone'), 'logged as client_gone');
});

test.serial('a client that floods pings is cut without a close frame (1006); the run ends as for a closed socket', async t => {
	const client = await open(example('interactive-wait.c'));
	await client.waitForStdout('ready\n');
	// Pongs the server could not write yet pile up: past ws's bound it cuts the connection rather than keep them.
	for (let ping = 0; ping < 2000; ping++) {
		client.socket.ping();
	}

	t.is((await client.closed).code, 1006);
	await eventuallyClean(server);
	await assertHostClean(t, server);
});

test.serial('the program cannot take over the relay that stands between it and the client', async t => {
	const client = await open(example('interactive-relay-attack.c'));
	const exit = await client.waitForType('exit');
	t.like(exit, {status: 'ok'});
	t.regex(exit['output'], /^ptrace refused\nmem refused\nfd refused\ntiocsti (own input only|refused)\n$/);
	t.is((await client.closed).code, 1000);
	await assertHostClean(t, server);
});

test.serial('output past the cap stops the program', async t => {
	const client = await open(example('output-flood.c'));
	const exit = await client.waitForType('exit');
	t.like(exit, {status: 'output_limit', truncated: true, exit_code: -9});
	t.is(Buffer.byteLength(exit['output']), Number(testLimits.C_RUNNER_OUTPUT_BYTES));
	t.is(Buffer.byteLength(client.stdout()), Number(testLimits.C_RUNNER_OUTPUT_BYTES));
	t.is((await client.closed).code, 1000);
	await assertHostClean(t, server);
});

test.serial('a compile error: the compile message, then an exit with gcc\'s message', async t => {
	const client = await open(example('compile-error.c'));
	const compiled = await client.waitForType('compile');
	t.is(compiled['status'], 'compile_error');
	t.regex(compiled['error'], /error:/);
	t.like(await client.waitForType('exit'), {status: 'compile_error', exit_code: 1});
	t.is((await client.closed).code, 1000);
	await assertHostClean(t, server);
});

const badMessages: Array<[string, (client: SessionClient) => Promise<void>, RegExp, number]> = [
	['not JSON', async client => client.socket.send('{"type": "start",'), /^Message is not valid JSON$/, 1008],
	['a binary frame', async client => client.socket.send(Buffer.from('{}')), /text frames/, 1008],
	['not an object', async client => client.socket.send('[1, 2]'), /^Message must be a JSON object$/, 1008],
	['an unknown type', async client => client.send({type: 'launch'}), /^Unknown message type "launch"/, 1008],
	['an oversize message', async client => client.send({type: 'stdin', data: 'x'.repeat(bodyLimit + 10)}), new RegExp(`^Message is larger than ${bodyLimit} bytes$`), 1009],
	['stdin before start', async client => client.send({type: 'stdin', data: 'hello\n'}), /^Send a start message before stdin$/, 1008],
	['a start without code', async client => client.send({type: 'start'}), /^Missing required field: 'code'$/, 1008],
	['an unknown signal', async client => {
		client.send({type: 'start', code: example('interactive-wait.c')});
		await client.waitForStdout('ready\n');
		client.send({type: 'signal', signal: 'hangup'});
	}, /^Field 'signal' must be one of interrupt, terminate, kill$/, 1008],
	['a second start', async client => {
		client.send({type: 'start', code: example('interactive-wait.c')});
		await client.waitForStdout('ready\n');
		client.send({type: 'start', code: example('interactive-wait.c')});
	}, /^The run has already started; one start per session$/, 1008],
	// A program that does not read, so it is still running when the late stdin comes (one that ends at end-of-file
	// may be done first, if the client is held up between its two messages).
	['stdin after end-of-input', async client => {
		client.send({type: 'start', code: example('interactive-chatty.c')});
		await client.waitForStdout('still here 0\n');
		client.send({type: 'eof'});
		client.send({type: 'stdin', data: 'late\n'});
	}, /^Input has already ended \(eof\); no stdin after it$/, 1008],
];

for (const [name, act, message, closeCode] of badMessages) {
	test.serial(`a bad message gets an error and a clean close: ${name}`, async t => {
		const client = await open();
		await act(client);
		const error = await client.waitForType('error');
		t.regex(error['error'], message);
		t.is((await client.closed).code, closeCode);
		t.false(client.received.some(entry => entry.message['type'] === 'exit'));
		await eventuallyClean(server);
		await assertHostClean(t, server);
	});
}

test.serial('no start in time: an error and a close', async t => {
	const client = await open(undefined, {}, quick);
	t.like(await client.waitForType('error', idleMs * 4), {error: `No start message within ${idleMs} ms`});
	t.is((await client.closed).code, 1008);
	await assertHostClean(t, quick);
});

test.serial('no start within 10 s, though the idle limit is 30 s: an error and a close, and the slot it held is free again', async t => {
	const client = await open();
	t.like(await client.waitForType('error', 40_000), {error: 'No start message within 10000 ms'});
	t.is((await client.closed).code, 1008);
	await eventuallyClean(server);
	await assertHostClean(t, server);
});

test.serial('a foreign Origin is refused; the allow-list and the server\'s own origin are not', async t => {
	const refused = await refusedUpgrade(server, {token, origin: 'https://evil.example.net'});
	t.is(refused.status, 403);
	t.deepEqual(refused.body, {error: 'Origin https://evil.example.net may not open an interactive session (C_RUNNER_CORS_ORIGINS)'});
	for (const origin of ['https://docs.example.com', server.url]) {
		const client = connect(server, {token, origin});
		await client.opened;
		client.socket.close(1000);
		await client.closed;
	}

	await eventuallyClean(server);
	await assertHostClean(t, server);
});

test.serial('a page that rebound its own name to the server\'s address is refused by its Host, on the upgrade and every route', async t => {
	const {port} = new URL(server.url);
	const host = `rebind.example.com:${port}`;
	const error = 'Host "rebind.example.com" is not one this server answers to: localhost, *.localhost, localhost.localdomain, ip6-localhost, ip6-loopback or an IP address (C_RUNNER_ALLOWED_HOSTS)';
	// Same-origin in the browser's eyes: its Origin is the Host it sends.
	const refused = await refusedUpgrade(server, {token, origin: `http://${host}`, host});
	t.deepEqual({status: refused.status, body: refused.body}, {status: 403, body: {error}});
	// Before anything else, as on the other routes: an upgrade to an unknown path too.
	const elsewhere = await refusedUpgrade(server, {origin: `http://${host}`, host, path: '/other'});
	t.deepEqual({status: elsewhere.status, body: elsewhere.body}, {status: 403, body: {error}});
	const body = JSON.stringify({code: example('hello.c')});
	for (const request of [
		`POST /execute_c HTTP/1.1\r\nHost: ${host}\r\nOrigin: http://${host}\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
		`GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
	]) {
		const answer = await rawRequest(server.url, request);
		t.deepEqual({status: answer.status, body: JSON.parse(answer.body)}, {status: 403, body: {error}}, request.split('\r\n')[0]);
	}

	await assertHostClean(t, server);
});

test.serial('the token applies: a header or a bearer subprotocol', async t => {
	const refused = await refusedUpgrade(server, {});
	t.is(refused.status, 401);
	t.deepEqual(refused.body, {error: 'Missing or invalid bearer token'});
	t.is(refused.headers['www-authenticate'], 'Bearer');
	t.is((await refusedUpgrade(server, {token: 'wrong-token-0123456789'})).status, 401);
	const client = connect(server, {protocols: ['c-runner', `bearer.${Buffer.from(token).toString('base64url')}`]});
	const upgraded = new Promise<http.IncomingMessage>(resolve => {
		client.socket.once('upgrade', resolve);
	});
	await client.opened;
	t.is(client.socket.protocol, 'c-runner', 'the token is never echoed back as the protocol');
	t.regex(String((await upgraded).headers['x-request-id']), /^[\da-f-]{36}$/, 'the 101 has its request id, as every answer does');
	client.send({type: 'start', code: example('hello.c')});
	t.like(await client.waitForType('exit'), {status: 'ok'});
	t.is((await client.closed).code, 1000);
	await assertHostClean(t, server);
});

test.serial('a full server refuses the upgrade with a clear message; other paths are not upgraded', async t => {
	const clients = [await open(), await open(), await open()];
	const health = await (await fetch(`${server.url}/health`)).json() as Record<string, any>;
	t.like(health['slots'], {capacity: 4, running: 3}, 'each open session holds a job slot');
	const refused = await refusedUpgrade(server, {token});
	t.is(refused.status, 503);
	t.deepEqual(refused.body, {error: 'Server is busy: 3 interactive sessions are open (C_RUNNER_INTERACTIVE_SESSIONS); retry later'});
	t.is(refused.headers['retry-after'], '1');
	t.regex(String(refused.headers['x-request-id']), /^[\da-f-]{36}$/, 'a refusal written to the socket has its request id too');
	for (const client of clients) {
		client.socket.close(1000);
		await client.closed;
	}

	const other = await refusedUpgrade(server, {token, path: '/execute_c'});
	t.is(other.status, 404);
	t.true(await slotsFree(), 'a closed session gives its slot back');
	await eventuallyClean(server);
	await assertHostClean(t, server);
});

test.serial('a slow reader: the program waits for the client, the server does not buffer its output', async t => {
	const cap = 8 * 1024 * 1024;
	// 8 MiB through the terminal relay takes some 600 ms of CPU: a CPU limit far above it, so the output cap is what stops it.
	const big = await startServer({uidBase: 63_150, env: {C_RUNNER_OUTPUT_BYTES: String(cap), C_RUNNER_INTERACTIVE_IDLE_MS: '20000', C_RUNNER_RUN_CPU_MS: '10000'}});
	try {
		const client = connect(big);
		await client.opened;
		client.send({type: 'start', code: example('output-flood.c')});
		await client.waitFor(entry => entry.message['type'] === 'stdout', 'first output');
		client.socket.pause();
		// Unread, 8 MiB would pass the cap in well under a second; with backpressure the program is held instead.
		await new Promise(resolve => setTimeout(resolve, 2000));
		const rssKb = Number(/^VmRSS:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${big.pid}/status`, 'utf8'))?.[1]);
		t.false(client.received.some(entry => entry.message['type'] === 'exit'));
		t.true(leftoverProcesses(big).length > 0, 'the program still runs, held by the full pipe');
		client.socket.resume();
		const exit = await client.waitForType('exit', 30_000);
		t.like(exit, {status: 'output_limit', truncated: true});
		t.is(Buffer.byteLength(client.stdout()), cap, 'every byte within the cap reached the client');
		t.log(`server RSS while the client was paused: ${Math.round(rssKb / 1024)} MiB`);
		await client.closed;
		await assertHostClean(t, big);
	} finally {
		await big.stop();
	}
});

test.serial('a reader that never reads again: its session still ends at the idle limit, gives its slot back and leaves nothing', async t => {
	const cap = 8 * 1024 * 1024;
	const stalled = await startServer({uidBase: 63_160, env: {C_RUNNER_OUTPUT_BYTES: String(cap), C_RUNNER_INTERACTIVE_IDLE_MS: '2000', C_RUNNER_RUN_CPU_MS: '10000'}});
	try {
		const client = connect(stalled);
		await client.opened;
		client.send({type: 'start', code: example('output-flood.c')});
		await client.waitFor(entry => entry.message['type'] === 'stdout', 'first output');
		// Never read again while the server ends the run: its pipes held, the sandbox is stopped all the same.
		client.socket.pause();
		t.true(await slotsFree(stalled, 20_000), 'the slot is given back while the client still does not read');
		t.deepEqual(leftoverProcesses(stalled), [], 'no process of the run left');
		// The connection went with the session (closed 2 s after its end, read or not): what the client had not read by
		// then is lost with it.
		client.socket.resume();
		await client.closed;
		await assertHostClean(t, stalled);
	} finally {
		await stalled.stop();
	}
});

test.serial('a client that goes while the server has stopped reading its input (its program reads none) is found gone within seconds, not at the idle limit', async t => {
	const flooded = await startServer({uidBase: 63_170, env: {C_RUNNER_INTERACTIVE_IDLE_MS: '60000'}});
	try {
		const client = connect(flooded);
		await client.opened;
		client.send({type: 'start', code: example('interactive-raw-no-read.c')});
		await client.waitFor(entry => entry.message['type'] === 'stdout', 'the program runs');
		// Past 1 MiB queued for a program that reads nothing (its raw terminal keeps what it is sent, and is soon
		// full), the server stops reading the socket.
		for (let index = 0; index < 40; index++) {
			client.send({type: 'stdin', data: 'y'.repeat(60_000)});
		}

		await new Promise(resolve => setTimeout(resolve, 1000));
		t.is(await runningSlots(flooded), 1);
		const gone = performance.now();
		client.socket.terminate();
		t.true(await slotsFree(flooded, 10_000), 'its slot is given back');
		t.true(performance.now() - gone < 10_000);
		await assertHostClean(t, flooded);
	} finally {
		await flooded.stop();
	}
});

// A raw upgrade request, as a client that is not a WebSocket library may send it: its answer, read whole.
async function rawUpgrade(path: string, method: string, headers: Record<string, string>) {
	return new Promise<{status: number; headers: http.IncomingHttpHeaders; body: string}>((resolve, reject) => {
		const request = http.request(`${server.url}${path}`, {method, headers: {Connection: 'Upgrade', Authorization: `Bearer ${token}`, ...headers}});
		request.on('response', response => {
			let body = '';
			response.on('data', (chunk: Buffer) => {
				body += chunk.toString('utf8');
			});
			response.on('end', () => resolve({status: response.statusCode ?? 0, headers: response.headers, body}));
		});
		request.on('upgrade', () => reject(new Error('upgraded')));
		request.on('error', reject);
		request.end();
	});
}

const key = 'dGhlIHNhbXBsZSBub25jZQ==';
test.serial('a handshake the WebSocket library would refuse is a JSON refusal, and gives its slot back', async t => {
	for (const [method, headers, status, error] of [
		['GET', {Upgrade: 'websocket', 'Sec-WebSocket-Version': '13'}, 400, 'Missing or invalid Sec-WebSocket-Key header'],
		['GET', {Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'short'}, 400, 'Missing or invalid Sec-WebSocket-Key header'],
		['GET', {Upgrade: 'websocket', 'Sec-WebSocket-Version': '12', 'Sec-WebSocket-Key': key}, 400, 'Missing or invalid Sec-WebSocket-Version header (13)'],
		['POST', {Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': key}, 405, 'Method not allowed: POST /interactive (a WebSocket upgrade is a GET)'],
		// Refused by ws itself, once the request has its slot: answered the same way.
		['GET', {Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': key, 'Sec-WebSocket-Protocol': ',,,'}, 400, 'Invalid Sec-WebSocket-Protocol header'],
	] as const) {
		const answer = await rawUpgrade('/interactive', method, headers);
		t.is(answer.status, status, JSON.stringify(headers));
		t.regex(String(answer.headers['content-type']), /^application\/json/);
		t.deepEqual(JSON.parse(answer.body), {error});
		if (status === 405) {
			t.is(answer.headers['allow'], 'GET');
		}
	}

	t.true(await slotsFree(), 'every slot given back');
	await assertHostClean(t, server);
});

test.serial('an Upgrade other than websocket (curl --http2 offers h2c) is an ordinary request', async t => {
	const health = await rawUpgrade('/health', 'GET', {Upgrade: 'h2c', 'HTTP2-Settings': 'AAMAAABkAAQCAAAAAAIAAAAA'});
	t.is(health.status, 200);
	t.like(JSON.parse(health.body), {status: 'ok'});
	const run = await new Promise<{status: number; body: string}>((resolve, reject) => {
		const request = http.request(`${server.url}/execute_c`, {method: 'POST', headers: {Connection: 'Upgrade, HTTP2-Settings', Upgrade: 'h2c', 'Content-Type': 'application/json', Authorization: `Bearer ${token}`}});
		request.on('response', response => {
			let body = '';
			response.on('data', (chunk: Buffer) => {
				body += chunk.toString('utf8');
			});
			response.on('end', () => resolve({status: response.statusCode ?? 0, body}));
		});
		request.on('error', reject);
		request.end(JSON.stringify({code: example('hello.c')}));
	});
	t.is(run.status, 200);
	t.like(JSON.parse(run.body), {status: 'ok', output: 'Hello from C!'});
	await assertHostClean(t, server);
});

test.serial('frames the WebSocket library refuses itself end the session, never the server, logged as the client\'s bad message', async t => {
	const logged = server.logs.length;
	const huge = await open(example('interactive-wait.c'));
	await huge.waitForStdout('ready\n');
	huge.socket.send('x'.repeat(2 * bodyLimit + 100));
	t.is((await huge.closed).code, 1009);
	const invalid = await open(example('interactive-wait.c'));
	await invalid.waitForStdout('ready\n');
	// A text frame that is not UTF-8: the library closes with 1007.
	(invalid.socket as any)._sender.send(Buffer.from([0xff, 0xfe, 0xfd]), {binary: false, fin: true, mask: true, compress: false, rsv1: false, opcode: 1});
	t.is((await invalid.closed).code, 1007);
	await eventuallyClean(server);
	const ended = () => server.logs.slice(logged).filter(entry => entry['msg'] === 'interactive session done');
	t.true(await waitFor(() => ended().length === 2, 10_000), `${ended().length} sessions logged`);
	t.deepEqual(ended().map(entry => entry['jobStatus']), ['bad_message', 'bad_message'], 'not a client that left');
	// The library's reason, as its message: a string, not an object of its characters.
	const reasons = server.logs.slice(logged).filter(entry => entry['msg'] === 'interactive socket closed on a bad frame').map(entry => entry['err']);
	t.deepEqual(reasons, ['Max payload size exceeded', 'Invalid WebSocket frame: invalid UTF-8 sequence']);
	await assertHostClean(t, server);
	t.is((await fetch(`${server.url}/health`)).status, 200, 'the server lives');
});
