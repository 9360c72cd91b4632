// How a judge request shares the job slots, through the real server: it cannot starve /execute_c callers, and once
// admitted it is answered whole, even while new requests are refused for a full queue; a streamed one that waits
// for its turn has its stream (and its keep-alive comments) while it waits.
import test from 'ava';
import {assertHostClean, example, execute, startServer} from '../helpers/server.ts';
import {allEvents, postEventStream} from '../helpers/sse.ts';

test('a large judge request that may use every slot does not starve an /execute_c caller', async t => {
	const server = await startServer({uidBase: 62_520, env: {C_RUNNER_CONCURRENCY: '2', C_RUNNER_JUDGE_PARALLEL: '2', C_RUNNER_RUN_WALL_MS: '10000'}});
	try {
		// Compiled once before, so that the caller's request below needs its slot for the run alone; each test case
		// holds a slot 1.5 s, far longer than that run, on a loaded machine too.
		t.is((await execute(server, {code: example('hello.c')})).body['output'], 'Hello from C!');
		const tests = 8;
		const stream = await postEventStream(`${server.url}/judge_c`, {code: example('sleep-ms.c'), testcases: Array.from({length: tests}, () => ({input: '1500', output: '1500'}))});
		t.is((await stream.next())?.event, 'compile');
		t.is((await stream.next())?.event, 'result', 'the judge request is running its test cases on both slots');
		let resultsBefore = 1;
		const executed = execute(server, {code: example('hello.c')});
		for (let event = await stream.next(); event?.event === 'result'; event = await stream.next()) {
			resultsBefore += 1;
			if (await Promise.race([executed.then(() => true), new Promise(resolve => setImmediate(() => resolve(false)))])) {
				break;
			}
		}

		const {status, body} = await executed;
		t.is(status, 200);
		t.is(body['output'], 'Hello from C!');
		// FIFO: the caller took the next slot a test case released, ahead of the judge's remaining test cases.
		t.true(resultsBefore < tests - 1, `the /execute_c answer came after ${resultsBefore} of ${tests} test cases`);
		const rest = await allEvents(stream);
		t.like(rest.at(-1), {event: 'summary', data: {passed: true, summary: {passed: tests, total: tests}}});
		await assertHostClean(t, server);
	} finally {
		await server.stop();
	}
});

test('an admitted judge request is answered whole while new requests get 503 for a full queue', async t => {
	const server = await startServer({uidBase: 62_540, env: {C_RUNNER_CONCURRENCY: '1', C_RUNNER_QUEUE_LENGTH: '1', C_RUNNER_JUDGE_PARALLEL: '1'}});
	try {
		const stream = await postEventStream(`${server.url}/judge_c`, {code: example('sleep-ms.c'), testcases: Array.from({length: 3}, () => ({input: '300', output: '300'}))});
		t.is((await stream.next())?.event, 'compile');
		t.is((await stream.next())?.event, 'result');
		const others = await Promise.all([1, 2, 3].map(async () => execute(server, {code: example('hello.c')})));
		const events = await allEvents(stream);
		t.like(events.at(-1), {event: 'summary', data: {passed: true, summary: {passed: 3, total: 3}}});
		t.false(events.some(event => event.event === 'error'));
		const statuses = others.map(other => other.status).sort();
		t.true(statuses.includes(503), `new requests were refused while the queue was full: ${statuses.join(', ')}`);
		t.true(statuses.every(status => status === 200 || status === 503), statuses.join(', '));
		await assertHostClean(t, server);
	} finally {
		await server.stop();
	}
});

test('a streamed judge request that waits for its turn gets its stream at once, not when its turn comes', async t => {
	const server = await startServer({uidBase: 62_550, env: {C_RUNNER_CONCURRENCY: '1', C_RUNNER_JUDGES: '1', C_RUNNER_JUDGE_PARALLEL: '1'}});
	try {
		const sent = performance.now();
		const first = await postEventStream(`${server.url}/judge_c`, {code: example('sleep-ms.c'), testcases: Array.from({length: 2}, () => ({input: '1500', output: '1500'}))});
		t.is((await first.next())?.event, 'compile');
		// The first holds the only judge permit (C_RUNNER_JUDGES=1) until its last result: the second waits for it.
		const second = await postEventStream(`${server.url}/judge_c`, {code: example('hello.c'), testcases: [{output: 'Hello from C!'}]});
		const secondBegan = performance.now() - sent;
		t.is(second.status, 200);
		t.regex(String(second.headers['content-type']), /^text\/event-stream/);
		const firstEvents = await allEvents(first);
		const lastResult = firstEvents.filter(event => event.event === 'result').at(-1)!;
		t.true(secondBegan < lastResult.at, `the waiting request's stream began at ${Math.round(secondBegan)} ms, the first's last result came at ${Math.round(lastResult.at)} ms`);
		const secondEvents = await allEvents(second);
		t.deepEqual(secondEvents.map(event => event.event), ['compile', 'result', 'summary']);
		t.like(secondEvents.at(-1), {data: {passed: true}});
		await assertHostClean(t, server);
	} finally {
		await server.stop();
	}
});
