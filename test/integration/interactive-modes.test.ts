// Interactive runs hold under every sandbox policy and mode: a server with no /proc in its sandboxes and an
// unprivileged server (as in the container) both give the prompt before input, deliver signals and clean up after a
// socket that goes away. A server that shuts down ends its sessions with 1001 and leaves nothing behind; a session
// holds a job slot like any run; a sidecar turns the page and the interactive upgrade off; the real server serves
// the page, with its policy and without the token.
import net from 'node:net';
import test from 'ava';
import {assertHostClean, eventuallyClean, example, startServer, waitFor, type RunningServer} from '../helpers/server.ts';
import {connect, refusedUpgrade} from '../helpers/ws-client.ts';

const modes: Array<[string, Parameters<typeof startServer>[0]]> = [
	['no /proc in the sandbox', {uidBase: 63_300, env: {C_RUNNER_SANDBOX_PROC: 'none'}}],
	['an unprivileged server', {uidBase: 63_400, runAs: 63_400}],
];

for (const [mode, options] of modes) {
	test.serial(`${mode}: prompt, answer, interrupt, a socket closed mid-run`, async t => {
		const server = await startServer(options);
		try {
			const health = await (await fetch(`${server.url}/health`)).json() as Record<string, any>;
			t.is(health['status'], 'ok');
			const greeting = connect(server);
			await greeting.opened;
			greeting.send({type: 'start', code: example('interactive-greeting.c')});
			await greeting.waitForStdout('Name: ');
			t.is(greeting.stdout(), 'Name: ');
			greeting.send({type: 'stdin', data: 'Ada\n36\n'});
			t.like(await greeting.waitForType('exit'), {status: 'ok', output: 'Name: Hello, Ada!\nAge: In ten years you will be 46.\n'});
			t.is((await greeting.closed).code, 1000);
			await assertHostClean(t, server);

			const waiting = connect(server);
			await waiting.opened;
			waiting.send({type: 'start', code: example('interactive-wait.c')});
			await waiting.waitForStdout('ready\n');
			waiting.send({type: 'signal', signal: 'interrupt'});
			t.like(await waiting.waitForType('exit'), {status: 'signalled', signal: 'SIGINT'});
			t.is((await waiting.closed).code, 1000);
			await assertHostClean(t, server);

			const dropped = connect(server);
			await dropped.opened;
			dropped.send({type: 'start', code: example('interactive-wait.c')});
			await dropped.waitForStdout('ready\n');
			dropped.socket.terminate();
			await eventuallyClean(server);
			await assertHostClean(t, server);
		} finally {
			await server.stop();
		}
	});
}

test.serial('a shutdown ends open sessions with 1001 once the grace period is over, answers the upgrades still waiting, and leaves nothing behind', async t => {
	const server = await startServer({uidBase: 63_500, env: {C_RUNNER_SHUTDOWN_MS: '500', C_RUNNER_CONCURRENCY: '1', C_RUNNER_INTERACTIVE_SESSIONS: '2'}});
	const client = connect(server);
	await client.opened;
	client.send({type: 'start', code: example('interactive-wait.c')});
	await client.waitForStdout('ready\n');
	// The one slot is taken: this upgrade waits for it, unanswered, until the stop.
	const waiting = refusedUpgrade(server);
	t.true(await waitFor(async () => (await (await fetch(`${server.url}/health`)).json() as {slots: {queued: number}}).slots.queued === 1, 5000), 'the upgrade waits in the queue');
	const stopped = server.stop('SIGTERM');
	t.like(await client.waitForType('error'), {error: 'Server is shutting down; the run was cancelled'});
	t.is((await client.closed).code, 1001);
	t.like(await waiting, {status: 503, body: {error: 'Server is shutting down; the job was cancelled'}});
	t.deepEqual(await stopped, {code: 0, signal: null});
	await assertHostClean(t, server);
});

const upgradeRequest = (server: RunningServer) => ['GET /interactive HTTP/1.1', `Host: ${new URL(server.url).host}`, 'Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 13', '', ''].join('\r\n');

/** One client-to-server WebSocket text frame (RFC 6455 5.2: a client's frames are masked), under 64 KiB. */
function maskedTextFrame(text: string): Buffer {
	const payload = Buffer.from(text);
	const mask = Buffer.from([0x12, 0x34, 0x56, 0x78]);
	const header = payload.length < 126 ? Buffer.from([0x81, 0x80 | payload.length]) : Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 0xFF]);
	return Buffer.concat([header, mask, payload.map((byte, index) => byte ^ mask[index % 4]!)]);
}

test.serial('an upgrade waiting for a slot whose client leaves (a FIN) gives its place back at once; one that sent a frame early still gets it', async t => {
	const server = await startServer({uidBase: 63_720, env: {C_RUNNER_CONCURRENCY: '1', C_RUNNER_INTERACTIVE_SESSIONS: '2'}});
	try {
		const queued = async () => ((await (await fetch(`${server.url}/health`)).json() as {slots: {queued: number}}).slots.queued);
		const holder = connect(server);
		await holder.opened;
		holder.send({type: 'start', code: example('interactive-wait.c')});
		await holder.waitForStdout('ready\n');
		// A raw client: the upgrade request, then a half-close while it waits, as `nc -N` or a client's shutdown sends.
		const leaver = net.connect(Number(new URL(server.url).port), '127.0.0.1');
		leaver.on('error', () => {});
		leaver.write(upgradeRequest(server));
		t.true(await waitFor(async () => await queued() === 1, 5000), 'the upgrade waits in the queue');
		leaver.end();
		t.true(await waitFor(async () => await queued() === 0, 3000), 'its place is given back without waiting for a slot');
		// The two sessions C_RUNNER_INTERACTIVE_SESSIONS allows are the holder and this one: it waits, not refused as
		// busy. It sends its start frame while it waits, before the 101, and the session still gets it.
		const early = net.connect(Number(new URL(server.url).port), '127.0.0.1');
		let answer = '';
		early.on('data', (chunk: Buffer) => {
			answer += chunk.toString('latin1');
		});
		early.write(upgradeRequest(server));
		t.true(await waitFor(async () => await queued() === 1, 5000), 'the next upgrade waits, it is not refused');
		early.write(maskedTextFrame(JSON.stringify({type: 'start', code: example('hello.c')})));
		holder.send({type: 'stdin', data: 'x\n'});
		t.like(await holder.waitForType('exit'), {status: 'ok', output: 'ready\ngot x\n'});
		t.true(await waitFor(() => answer.includes('"type":"exit"'), 10_000), answer);
		t.true(answer.startsWith('HTTP/1.1 101 '), answer);
		t.regex(answer, /"type":"exit","output":"Hello from C!",.*"status":"ok"/);
		early.destroy();
		await eventuallyClean(server);
		await assertHostClean(t, server);
	} finally {
		await server.stop();
	}
});

test.serial('a session takes a job slot like any run: with every slot busy and no queue, the upgrade is refused', async t => {
	const server = await startServer({uidBase: 63_700, env: {C_RUNNER_CONCURRENCY: '1', C_RUNNER_QUEUE_LENGTH: '0', C_RUNNER_INTERACTIVE_SESSIONS: '2'}});
	try {
		const holder = connect(server);
		await holder.opened;
		const refused = await refusedUpgrade(server);
		t.is(refused.status, 503);
		t.deepEqual(refused.body, {error: 'Server is busy: all job slots and the queue are full; retry later'});
		const busy = await fetch(`${server.url}/execute_c`, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({code: example('hello.c')})});
		t.is(busy.status, 503, '/execute_c waits for the same slot');
		holder.send({type: 'start', code: example('hello.c')});
		t.like(await holder.waitForType('exit'), {status: 'ok'});
		await holder.closed;
		await eventuallyClean(server);
		await assertHostClean(t, server);
	} finally {
		await server.stop();
	}
});

test.serial('a sidecar turns both off: no page at /, no interactive upgrade', async t => {
	const server = await startServer({uidBase: 63_800, env: {C_RUNNER_PLAYGROUND: 'off', C_RUNNER_INTERACTIVE: 'off'}});
	try {
		const page = await fetch(`${server.url}/`);
		t.is(page.status, 404);
		t.deepEqual(await page.json(), {error: 'No route for GET /'});
		const refused = await refusedUpgrade(server);
		t.is(refused.status, 404);
		t.deepEqual(refused.body, {error: 'Interactive runs are turned off on this server (C_RUNNER_INTERACTIVE=off)'});
		t.like(await (await fetch(`${server.url}/execute_c`, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({code: example('hello.c')})})).json() as object, {status: 'ok'});
		await assertHostClean(t, server);
	} finally {
		await server.stop();
	}
});

test.serial('the page is served by the real server with its policy, and needs no token', async t => {
	const server = await startServer({uidBase: 63_850, env: {C_RUNNER_TOKEN: 'page-test-token-0123456'}});
	try {
		const page = await fetch(`${server.url}/`);
		t.is(page.status, 200);
		t.regex(page.headers.get('content-security-policy') ?? '', /^default-src 'none'; script-src 'self'; style-src 'self' 'nonce-/);
		t.regex(await page.text(), /<script type="module" src="\/playground\/app.js"><\/script>/);
		t.is((await fetch(`${server.url}/playground/app.js`)).status, 200);
		t.is((await fetch(`${server.url}/execute_c`, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: '{}'})).status, 401, 'the API still needs the token');
	} finally {
		await server.stop();
	}
});
