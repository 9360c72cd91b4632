// POST /judge_c and per-request limits through the real server, gcc and bwrap: one example program per verdict,
// the measured figures, the event stream read event by event, and a host left clean after every request.
import test from 'ava';
import {assertHostClean, example, execute, startServer, testLimits, type RunningServer} from '../helpers/server.ts';
import {allEvents, postEventStream} from '../helpers/sse.ts';

let server: RunningServer;
test.before(async () => {
	server = await startServer({uidBase: 62_500, env: {C_RUNNER_RUN_MAX_CPU_MS: '1500', C_RUNNER_RUN_MAX_MEMORY_MB: '256', C_RUNNER_JUDGE_PARALLEL: '2'}});
});
test.after.always(async () => {
	await server?.stop();
});

const uuid = /^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/;

async function judge(body: Record<string, unknown>) {
	const response = await fetch(`${server.url}/judge_c`, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)});
	return {status: response.status, body: await response.json() as Record<string, any>};
}

async function judgeOne(t: import('ava').ExecutionContext, name: string, testcase: Record<string, unknown>, extra: Record<string, unknown> = {}) {
	const {status, body} = await judge({code: example(name), testcases: [testcase], ...extra});
	t.is(status, 200, JSON.stringify(body));
	t.is(body['results'].length, 1);
	assertHostClean(t, server);
	return {body, result: body['results'][0] as Record<string, any>};
}

test.serial('a Turbo request gets Turbo\'s answer, with real time and memory figures: double.c', async t => {
	const {status, body} = await judge({
		user_id: 'student_123',
		language: 'c',
		code: example('double.c'),
		testcases: [{id: 0, input: '5\n', output: '10'}, {id: 1, input: '7\n', output: '14'}, {id: 2, input: '4\n', output: '9'}],
	});
	t.is(status, 200);
	t.like(body, {passed: false, verdict: 'WA', error: null, summary: {passed: 2, total: 3, first_failure: {index: 2, id: 2, verdict: 'WA'}}});
	t.deepEqual(body['results'].map((result: any) => [result.id, result.passed, result.verdict, result.actual_output]), [
		[0, true, 'AC', '10'], [1, true, 'AC', '14'], [2, false, 'WA', '8'],
	]);
	for (const result of body['results']) {
		t.regex(result.worker_id, uuid);
		t.regex(result.time, /^\d+ms$/);
		t.regex(result.memory, /^\d+\.\dMB$/);
		t.is(result.time, `${result.time_ms}ms`);
		t.true(result.memory_kb > 100, `memory_kb ${result.memory_kb}`);
		t.is(result.error, '');
	}

	t.is(new Set(body['results'].map((result: any) => result.worker_id)).size, 3, 'every test case ran as its own job');
	assertHostClean(t, server);
});

test.serial('Dalmeng\'s expected_output; all pass: AC', async t => {
	const {body} = await judge({code: example('double.c'), testcases: [{input: '1 2', expected_output: '2\n4\n'}, {input: '', expected_output: ''}]});
	t.like(body, {passed: true, verdict: 'AC', summary: {passed: 2, total: 2, first_failure: null}});
	assertHostClean(t, server);
});

test.serial('compare: trailing whitespace is ignored by default, not with "exact"', async t => {
	const testcases = [{input: '5', output: '10 \n\n'}];
	t.like((await judge({code: example('double.c'), testcases})).body, {verdict: 'AC'});
	t.like((await judge({code: example('double.c'), testcases, compare: 'exact'})).body, {verdict: 'WA'});
	t.like((await judge({code: example('double.c'), testcases: [{input: '5', output: '10\n'}], compare: 'exact'})).body, {verdict: 'AC'});
});

test.serial('CE: the whole submission, gcc\'s own message unprefixed, no test case runs: compile-error.c', async t => {
	const {status, body} = await judge({code: example('compile-error.c'), testcases: [{output: 'x'}, {output: 'y'}]});
	t.is(status, 200);
	t.like(body, {passed: false, verdict: 'CE', results: [], summary: {passed: 0, total: 2, first_failure: null}});
	t.true(body['error'].startsWith(`${server.jobRoot}/c_exec_`), body['error']);
	t.regex(body['error'], /^\S+\/source\.c: In function 'main':\n/);
	t.regex(body['error'], /source\.c:5:28: error: expected '\)' before 'return'/);
	assertHostClean(t, server);
});

test.serial('TLE, CPU: infinite-loop.c at time_limit_ms 300 is killed at about 300 ms of CPU', async t => {
	const {body, result} = await judgeOne(t, 'infinite-loop.c', {output: ''}, {time_limit_ms: 300});
	t.like(result, {passed: false, verdict: 'TLE', status: 'time_limit', exit_code: -9, signal: 'SIGKILL'});
	t.true(result['cpu_ms'] >= 300 && result['cpu_ms'] < 450, `cpu_ms ${result['cpu_ms']}`);
	t.like(body, {verdict: 'TLE', limits: {cpu_time_ms: 300, wall_time_ms: 1600}});
});

test.serial('TLE, wall: sleep-forever.c, which uses no CPU, at the wall limit of twice the time limit plus a second', async t => {
	const {result} = await judgeOne(t, 'sleep-forever.c', {output: ''}, {time_limit_ms: 200});
	t.like(result, {verdict: 'TLE', status: 'time_limit', exit_code: -9, actual_output: 'sleeping'});
	t.true(result['time_ms'] >= 1400 && result['time_ms'] < 2500, `time_ms ${result['time_ms']}`);
	t.true(result['cpu_ms'] < 100, `cpu_ms ${result['cpu_ms']}`);
});

test.serial('MLE: memory-hog.c at memory_limit_mb 32', async t => {
	const {body, result} = await judgeOne(t, 'memory-hog.c', {output: ''}, {memory_limit_mb: 32});
	t.like(result, {verdict: 'MLE', status: 'memory_limit'});
	t.like(body, {limits: {memory_mb: 32}});
	t.true(result['memory_kb'] >= 24 * 1024, `memory_kb ${result['memory_kb']}`);
});

test.serial('OLE: output-flood.c, the output shown is cut and flagged', async t => {
	const {result} = await judgeOne(t, 'output-flood.c', {output: ''});
	t.like(result, {verdict: 'OLE', status: 'output_limit', exit_code: -9, output_truncated: true});
	// Stopped from outside, the helper wrote no report; the job cgroup (a root server) still measured the memory.
	t.is(result['memory'], `${(result['memory_kb'] / 1024).toFixed(1)}MB`);
});

test.serial('RE with a signal: null-deref.c', async t => {
	const {result} = await judgeOne(t, 'null-deref.c', {output: ''});
	t.like(result, {verdict: 'RE', status: 'signalled', exit_code: -11, signal: 'SIGSEGV'});
});

test.serial('RE with an exit code, stderr in error: exit-3.c', async t => {
	const {result} = await judgeOne(t, 'exit-3.c', {input: '-1', output: '-1'});
	t.like(result, {verdict: 'RE', status: 'runtime_error', exit_code: 3, signal: null, error: 'bad input\n'});
});

test.serial('figures: touch-64mib.c reports at least 64 MiB resident; busy-300ms.c about 300 ms of CPU', async t => {
	const memory = await judgeOne(t, 'touch-64mib.c', {output: 'done'}, {memory_limit_mb: 128});
	t.like(memory.result, {verdict: 'AC'});
	t.true(memory.result['memory_kb'] >= 65_536 && memory.result['memory_kb'] < 80_000, `memory_kb ${memory.result['memory_kb']}`);
	t.is(memory.result['memory'], `${(memory.result['memory_kb'] / 1024).toFixed(1)}MB`);
	const cpu = await judgeOne(t, 'busy-300ms.c', {output: 'done'});
	t.like(cpu.result, {verdict: 'AC'});
	t.true(cpu.result['cpu_ms'] >= 280 && cpu.result['cpu_ms'] < 450, `cpu_ms ${cpu.result['cpu_ms']}`);
	t.true(cpu.result['time_ms'] >= cpu.result['cpu_ms'] - 20, `time_ms ${cpu.result['time_ms']}`);
});

test.serial('each test case runs in a fresh job directory and /tmp: judge-leftovers.c', async t => {
	const {body} = await judge({code: example('judge-leftovers.c'), testcases: Array.from({length: 5}, () => ({output: 'fresh'}))});
	t.like(body, {passed: true, summary: {passed: 5, total: 5}});
	assertHostClean(t, server);
});

test.serial('the event stream, read event by event: results as they finish, then the summary: sleep-ms.c', async t => {
	const stream = await postEventStream(`${server.url}/judge_c`, {
		code: example('sleep-ms.c'),
		testcases: [{id: 'slow', input: '900', output: '900'}, {id: 'fast', input: '10', output: '10'}, {id: 'wrong', input: '20', output: '21'}],
	});
	t.is(stream.status, 200);
	const events = await allEvents(stream);
	t.deepEqual(events.map(event => event.event), ['compile', 'result', 'result', 'result', 'summary']);
	const results = events.filter(event => event.event === 'result');
	t.deepEqual(results.map(event => event.data.id), ['fast', 'wrong', 'slow'], 'in the order they finished');
	t.true(results[0]!.at < results[2]!.at - 500, `first result at ${Math.round(results[0]!.at)} ms, last at ${Math.round(results[2]!.at)} ms`);
	const summary = events.at(-1)!.data;
	t.like(summary, {passed: false, verdict: 'WA', summary: {passed: 2, total: 3, first_failure: {index: 2, id: 'wrong'}}});
	t.deepEqual(summary.results.map((result: any) => result.id), ['slow', 'fast', 'wrong'], 'the summary keeps request order');
	assertHostClean(t, server);
});

test.serial('a client that leaves the stream stops every sandbox of its judge request', async t => {
	const stream = await postEventStream(`${server.url}/judge_c`, {
		code: example('sleep-ms.c'),
		testcases: [{input: '10', output: '10'}, ...Array.from({length: 4}, () => ({input: '5000', output: '5000'}))],
	});
	t.is((await stream.next())?.event, 'compile');
	t.is((await stream.next())?.event, 'result');
	stream.close();
	const deadline = Date.now() + 3000;
	while (Date.now() < deadline && server.logs.every(entry => entry['msg'] !== 'client went away')) {
		await new Promise(resolve => setTimeout(resolve, 50));
	}

	t.true(Date.now() < deadline, 'the server noticed the client leaving');
	assertHostClean(t, server);
});

test.serial('/execute_c: time_limit_ms and memory_limit_mb apply, are clamped to the server\'s maxima and echoed', async t => {
	const spin = await execute(server, {code: example('infinite-loop.c'), time_limit_ms: 250});
	t.like(spin.body, {status: 'time_limit', stopped_by: 'cpu_time', limits: {cpu_time_ms: 250, wall_time_ms: 1500}});
	t.true(spin.body['cpu_ms'] >= 250 && spin.body['cpu_ms'] < 400, `cpu_ms ${spin.body['cpu_ms']}`);
	const clamped = await execute(server, {code: example('hello.c'), time_limit_ms: 999_999, memory_limit_mb: 999_999});
	t.like(clamped.body, {status: 'ok', limits: {cpu_time_ms: 1500, wall_time_ms: 4000, memory_mb: 256}});
	const defaults = await execute(server, {code: example('hello.c')});
	t.like(defaults.body, {limits: {cpu_time_ms: Number(testLimits.C_RUNNER_RUN_CPU_MS), wall_time_ms: Number(testLimits.C_RUNNER_RUN_WALL_MS)}});
	const hog = await execute(server, {code: example('memory-hog.c'), memory_limit_mb: 16});
	t.like(hog.body, {status: 'memory_limit', stopped_by: 'memory', limits: {memory_mb: 16}});
	const bad = await execute(server, {code: example('hello.c'), time_limit_ms: '5'});
	t.is(bad.status, 400);
	assertHostClean(t, server);
});
