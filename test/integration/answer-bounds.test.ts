// One request cannot make the server's answer, its memory or its event loop unbounded: answers are bounded as sent
// (after JSON escaping) per text and per answer, streamed or not; an answer nobody reads is cut after the send
// timeout; and a small request is answered while a hostile one runs. Through the real server, gcc and bwrap.
import net from 'node:net';
import test from 'ava';
import {assertHostClean, example, execute, startServer, waitFor, type RunningServer} from '../helpers/server.ts';
import {allEvents, postEventStream} from '../helpers/sse.ts';

const responseBytes = 64 * 1024;
const resultBytes = 4096;
/** Room for each test case's fixed fields (verdict, figures, ids) beside its texts. */
const perCaseOverhead = 1024;
const sent = (text: string) => Buffer.byteLength(JSON.stringify(text)) - 2;

let server: RunningServer;
test.before(async () => {
	server = await startServer({
		uidBase: 65_400,
		env: {
			C_RUNNER_RESPONSE_BYTES: String(responseBytes),
			C_RUNNER_JUDGE_RESULT_BYTES: String(resultBytes),
			C_RUNNER_JUDGE_PARALLEL: '2',
		},
	});
});
test.after.always(async () => {
	await server?.stop();
});

const nullFlood = example('null-flood.c');
const judgeBody = (tests: number) => ({code: nullFlood, testcases: Array.from({length: tests}, (_unused, id) => ({id, output: ''}))});

test.serial('null-flood.c on /execute_c: 64 KiB of NULs per stream (384 KiB escaped) is cut to the answer\'s bound as sent', async t => {
	const response = await fetch(`${server.url}/execute_c`, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({code: nullFlood})});
	const text = await response.text();
	const body = JSON.parse(text) as Record<string, any>;
	t.is(response.status, 200);
	t.like(body, {status: 'ok', exit_code: 0, truncated: true, stopped_by: null});
	t.true(Buffer.byteLength(text) <= responseBytes + 2048, `answer of ${Buffer.byteLength(text)} bytes`);
	t.true(sent(body['output']) <= responseBytes);
	t.true(body['output'].length > 10_000, 'output first: it gets most of the bound');
	t.regex(body['output'], /^\0+$/);
	t.is(body['error'].length, Math.floor((responseBytes - sent(body['output'])) / 6), 'error gets what output left, whole escapes only');
	await assertHostClean(t, server);
});

test.serial('null-flood.c judged 40 times: each text cut as sent, the whole answer within its budget, then empty and flagged', async t => {
	const response = await fetch(`${server.url}/judge_c`, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(judgeBody(40))});
	const text = await response.text();
	const body = JSON.parse(text) as Record<string, any>;
	t.is(response.status, 200);
	t.is(body['verdict'], 'WA');
	t.true(Buffer.byteLength(text) <= responseBytes + (40 * perCaseOverhead), `answer of ${Buffer.byteLength(text)} bytes`);
	const results = body['results'] as Array<Record<string, any>>;
	t.is(results.length, 40);
	let spent = 0;
	for (const result of results) {
		t.like(result, {status: 'ok', verdict: 'WA', output_truncated: true, error_truncated: true});
		t.true(sent(result['actual_output']) <= resultBytes && sent(result['error']) <= resultBytes);
		spent += sent(result['actual_output']) + sent(result['error']);
	}

	t.true(spent <= responseBytes);
	t.true(results.some(result => result['actual_output'] === '' && result['error'] === ''), 'past the budget, texts are empty');
	t.true(results.filter(result => result['actual_output'] !== '').length >= 7, 'before it, each got its share');
	await assertHostClean(t, server);
});

test.serial('a checker that prints at length: its messages are charged to the answer\'s budget too: checker-chatty.c', async t => {
	const body = {code: example('hello.c'), checker: example('checker-chatty.c'), testcases: Array.from({length: 30}, (_unused, id) => ({id, output: 'x'}))};
	const response = await fetch(`${server.url}/judge_c`, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)});
	const text = await response.text();
	const answer = JSON.parse(text) as Record<string, any>;
	t.is(response.status, 200, text.slice(0, 300));
	t.is(answer['verdict'], 'AC');
	// Once: 30 messages of 4 KiB each, 120 KiB, past a 64 KiB budget.
	t.true(Buffer.byteLength(text) <= responseBytes + (30 * perCaseOverhead), `answer of ${Buffer.byteLength(text)} bytes`);
	const messages = (answer['results'] as Array<Record<string, any>>).map(result => result['checker_message'] as string);
	t.true(messages.every(message => sent(message) <= resultBytes && /^y*$/.test(message)));
	t.true(messages.some(message => message === ''), 'past the budget, messages are empty');
	await assertHostClean(t, server);
});

test.serial('the same, streamed: every event and the whole stream bounded', async t => {
	const stream = await postEventStream(`${server.url}/judge_c`, judgeBody(40));
	const events = await allEvents(stream);
	const sizes = events.map(event => Buffer.byteLength(JSON.stringify(event.data)));
	const results = events.filter(event => event.event === 'result');
	t.is(results.length, 40);
	t.true(results.every((_event, index) => sizes[events.indexOf(results[index]!)]! <= (2 * resultBytes) + perCaseOverhead));
	const streamed = results.reduce((sum, event) => sum + sent(event.data.actual_output) + sent(event.data.error), 0);
	t.true(streamed <= responseBytes, `texts streamed: ${streamed} bytes`);
	t.true(sizes.reduce((sum, size) => sum + size, 0) <= (2 * responseBytes) + (80 * perCaseOverhead), 'results, then the summary repeating them');
	await assertHostClean(t, server);
});

test.serial('a client that never reads a large answer is cut off after the send timeout; the server goes on', async t => {
	// A 24 MiB answer (2 MiB of NULs per stream), far more than the kernel's socket buffers hold.
	const reader = await startServer({
		uidBase: 65_410,
		env: {C_RUNNER_OUTPUT_BYTES: String(2 * 1024 * 1024), C_RUNNER_RESPONSE_BYTES: String(32 * 1024 * 1024), C_RUNNER_SEND_TIMEOUT_MS: '1500'},
	});
	try {
		const body = JSON.stringify({code: nullFlood, stdin: String(2 * 1024 * 1024)});
		const socket = net.connect(Number(new URL(reader.url).port), '127.0.0.1');
		socket.write(`POST /execute_c HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
		socket.pause();
		const closed = new Promise<string>(resolve => {
			socket.once('error', error => resolve(error.message));
			socket.once('close', () => resolve('closed'));
		});
		const done = () => reader.logs.some(entry => entry['msg'] === 'request done' && entry['path'] === '/execute_c');
		t.true(await waitFor(done, 30_000, 100), 'the job ran and its answer was written');
		t.true(reader.logs.some(entry => Number(entry['responseBytes']) > 20 * 1024 * 1024), 'the answer is larger than any socket buffer');
		// Reading now drains what the kernel holds and sees the end: the server cut the connection mid-answer.
		let received = 0;
		socket.on('data', (chunk: Buffer) => {
			received += chunk.length;
		});
		await new Promise(resolve => setTimeout(resolve, 3000));
		socket.resume();
		t.regex(await closed, /closed|ECONNRESET/);
		t.true(received < 20 * 1024 * 1024, `received ${received} bytes of the answer`);
		// The access log was written with the answer; the cut has a line of its own, with what was never taken.
		const cut = reader.logs.find(entry => entry['msg'] === 'answer not read in time (C_RUNNER_SEND_TIMEOUT_MS): connection cut');
		t.truthy(cut, 'the cut is logged');
		t.true(Number(cut?.['unsentBytes']) > 0, JSON.stringify(cut));
		const {status, body: hello} = await execute(reader, {code: example('hello.c')});
		t.is(status, 200);
		t.is(hello['output'], 'Hello from C!');
		await assertHostClean(t, reader);
	} finally {
		await reader.stop();
	}
});

test.serial('a small request is answered while a hostile judge request is still running', async t => {
	let hostileDone = false;
	const hostile = fetch(`${server.url}/judge_c`, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(judgeBody(60))})
		.then(async response => response.text())
		.finally(() => {
			hostileDone = true;
		});
	await new Promise(resolve => setTimeout(resolve, 300));
	const small = await execute(server, {code: example('hello.c')});
	t.is(small.body['output'], 'Hello from C!');
	t.false(hostileDone, 'the small answer came first');
	const health = await fetch(`${server.url}/health`);
	t.is(health.status, 200);
	t.false(hostileDone, 'and /health too');
	t.true((await hostile).length > 0);
	await assertHostClean(t, server);
});
