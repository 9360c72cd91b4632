// The verdict table, the run limits and Turbo's client, through the real server, gcc and bwrap, under one sandbox
// policy: test/integration/judge.test.ts runs it under the strongest policy, judge-no-proc.test.ts under the one
// without /proc (C_RUNNER_SANDBOX_PROC=none, what a container that masks /proc gets), judge-unprivileged.test.ts
// with the server itself unprivileged. One suite, so a verdict that holds in one setting only fails. Every request
// leaves the host clean.
import {execFile} from 'node:child_process';
import path from 'node:path';
import {promisify} from 'node:util';
import test, {type ExecutionContext} from 'ava';
import {assertHostClean, eventuallyLogged, example, execute, projectRoot, startServer, testLimits, type RunningServer} from './server.ts';
import {allEvents, postEventStream} from './sse.ts';

export type Policy = 'private' | 'none';

const uuid = /^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/;
const run = promisify(execFile);

/** The CPU time at which the sandbox stops a program: the limit itself under every policy (sampled every 5 ms). */
const enforced = (_policy: Policy, cpuMs: number) => cpuMs;

/** Where a spinning program's measured CPU time ends up when stopped at `stop`: from the limit to a few samples past it. */
function stoppedNear(t: ExecutionContext, _policy: Policy, cpuMs: number, stop: number) {
	t.true(cpuMs >= stop && cpuMs < stop + 300, `cpu_ms ${cpuMs}, enforced at ${stop}`);
}

/** `unprivileged`: the server itself runs as one ordinary uid (as the container image runs it), every job under it too. */
export function judgeSuite(policy: Policy, uidBase: number, options: {unprivileged?: boolean} = {}) {
	const label = options.unprivileged ? `${policy}, unprivileged` : policy;
	let server: RunningServer;
	/** One row per verdict, logged at the end: the figures for the closing note. */
	const table: string[] = [];
	test.before(async () => {
		server = await startServer({
			uidBase,
			...(options.unprivileged ? {runAs: uidBase} : {}),
			env: {
				C_RUNNER_SANDBOX_PROC: policy,
				C_RUNNER_RUN_MAX_CPU_MS: '1500',
				C_RUNNER_RUN_MAX_MEMORY_MB: '256',
				C_RUNNER_JUDGE_PARALLEL: '2',
				C_RUNNER_JUDGE_CPU_MS: '1000',
			},
		});
	});
	test.after.always(async () => {
		await server?.stop();
	});

	async function post(route: string, body: Record<string, unknown>) {
		const response = await fetch(`${server.url}${route}`, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)});
		return {status: response.status, body: await response.json() as Record<string, any>};
	}

	const judge = async (body: Record<string, unknown>) => post('/judge_c', body);

	function record(name: string, result: Record<string, any>) {
		table.push(`${label}\t${result['verdict']}\t${name}\tstatus=${result['status']} exit=${result['exit_code']} signal=${result['signal']} cpu_ms=${result['cpu_ms']} time_ms=${result['time_ms']} memory_kb=${result['memory_kb']} error=${JSON.stringify(result['error'])}`);
	}

	async function judgeOne(t: ExecutionContext, name: string, testcase: Record<string, unknown>, extra: Record<string, unknown> = {}) {
		const {status, body} = await judge({code: example(name), testcases: [testcase], ...extra});
		t.is(status, 200, JSON.stringify(body));
		t.is(body['results'].length, 1);
		await assertHostClean(t, server);
		const result = body['results'][0] as Record<string, any>;
		record(name, result);
		return {body, result};
	}

	test.serial(`[${label}] the server runs the policy asked for`, async t => {
		const health = await (await fetch(`${server.url}/health`)).json() as Record<string, any>;
		t.like(health, {status: 'ok', policy: {level: policy === 'private' ? 'strongest' : 'reduced'}});
		t.regex(health['policy']['proc'], policy === 'private' ? /^a private procfs/ : /^none/);
	});

	test.serial(`[${label}] a Turbo request gets Turbo's answer, with real time and memory figures: double.c`, async t => {
		const {status, body} = await judge({
			user_id: 'student_123',
			language: 'c',
			code: example('double.c'),
			testcases: [{id: 0, input: '5\n', output: '10'}, {id: 1, input: '7\n', output: '14'}, {id: 2, input: '4\n', output: '9'}],
		});
		t.is(status, 200);
		t.like(body, {passed: false, verdict: 'WA', error: null, summary: {passed: 2, total: 3, first_failure: {index: 2, id: 2, verdict: 'WA'}}, ignored_fields: ['user_id']});
		t.deepEqual(body['results'].map((result: any) => [result.id, result.passed, result.verdict, result.actual_output]), [
			[0, true, 'AC', '10'], [1, true, 'AC', '14'], [2, false, 'WA', '8'],
		]);
		for (const result of body['results']) {
			t.regex(result.worker_id, uuid);
			t.regex(result.time, /^\d+ms$/);
			t.regex(result.memory, /^\d+\.\dMB$/);
			t.is(result.time, `${result.time_ms}ms`);
			t.true(result.memory_kb > 100, `memory_kb ${result.memory_kb}`);
			t.is(result.error, '', 'a wrong answer has no error: Turbo\'s clients read it as a wrong answer');
		}

		record('double.c', body['results'][0]);
		record('double.c', body['results'][2]);
		t.is(new Set(body['results'].map((result: any) => result.worker_id)).size, 3, 'every test case ran as its own job');
		await assertHostClean(t, server);
	});

	test.serial(`[${label}] Dalmeng's expected_output; all pass: AC`, async t => {
		const {body} = await judge({code: example('double.c'), testcases: [{input: '1 2', expected_output: '2\n4\n'}, {input: '', expected_output: ''}]});
		t.like(body, {passed: true, verdict: 'AC', summary: {passed: 2, total: 2, first_failure: null}, ignored_fields: []});
		await assertHostClean(t, server);
	});

	test.serial(`[${label}] a Dalmeng-shaped test case with standard_input is a 400 naming the field, never a silent WA`, async t => {
		const {status, body} = await judge({code: example('double.c'), testcases: [{standard_input: 'world', expected_output: '...'}]});
		t.is(status, 400);
		t.is(body['error'], 'testcases[0] has an unknown field \'standard_input\'; a test case\'s fields are: id, input, output, expected_output');
		await assertHostClean(t, server);
	});

	test.serial(`[${label}] compare: trim (default), exact, tokens, float`, async t => {
		const testcases = [{input: '5', output: '10 \n\n'}];
		t.like((await judge({code: example('double.c'), testcases})).body, {verdict: 'AC'});
		t.like((await judge({code: example('double.c'), testcases, compare: 'exact'})).body, {verdict: 'WA'});
		t.like((await judge({code: example('double.c'), testcases: [{input: '5', output: '10\n'}], compare: 'exact'})).body, {verdict: 'AC'});
		const words = [{input: '1 2 3', output: '2 4 6'}];
		t.like((await judge({code: example('double.c'), testcases: words})).body, {verdict: 'WA'});
		t.like((await judge({code: example('double.c'), testcases: words, compare: 'tokens'})).body, {verdict: 'AC'});
		const third = [{input: '3', output: '0.333333'}];
		t.like((await judge({code: example('third.c'), testcases: third})).body, {verdict: 'WA'});
		t.like((await judge({code: example('third.c'), testcases: third, compare: 'float'})).body, {verdict: 'AC'});
		t.like((await judge({code: example('third.c'), testcases: third, compare: 'float', absolute_tolerance: 0, relative_tolerance: 1e-9})).body, {verdict: 'WA'});
		await assertHostClean(t, server);
	});

	test.serial(`[${label}] exact compares the bytes written: FF FE is not U+FFFD U+FFFD: invalid-utf8.c`, async t => {
		const {result} = await judgeOne(t, 'invalid-utf8.c', {output: '\uFFFD\uFFFD'}, {compare: 'exact'});
		t.like(result, {verdict: 'WA', status: 'ok', actual_output: '\uFFFD\uFFFD'});
		t.like((await judge({code: example('invalid-utf8.c'), testcases: [{output: '\uFFFD\uFFFD'}]})).body, {verdict: 'WA'}, 'nor under trim');
	});

	test.serial(`[${label}] a checker program decides: sum-pair.c with checker-sum-pair.c`, async t => {
		const plain = await judgeOne(t, 'sum-pair.c', {input: '10', output: '0 10'});
		t.like(plain.result, {verdict: 'WA'});
		const {status, body} = await judge({
			code: example('sum-pair.c'),
			checker: example('checker-sum-pair.c'),
			testcases: [{input: '10', output: '0 10'}, {input: '7', output: '0 7'}],
		});
		t.is(status, 200, JSON.stringify(body));
		t.like(body, {verdict: 'AC', passed: true});
		t.deepEqual(body['results'].map((result: any) => [result.verdict, result.actual_output, result.checker_message]), [
			['AC', '1 9', 'ok: 1 + 9 = 10'], ['AC', '1 6', 'ok: 1 + 6 = 7'],
		]);
		// The same checker rejects what is wrong: double.c prints one number, not two.
		const wrong = await judge({code: example('double.c'), checker: example('checker-sum-pair.c'), testcases: [{input: '10', output: '0 10'}]});
		t.like(wrong.body, {verdict: 'WA', results: [{verdict: 'WA', checker_message: 'expected two whole numbers'}]});
		const broken = await judge({code: example('double.c'), checker: example('compile-error.c'), testcases: [{output: ''}]});
		t.is(broken.status, 400);
		t.regex(broken.body['error'], /^The checker did not compile:\nsource\.c: In function 'main':/);
		const crashing = await judge({code: example('double.c'), checker: example('null-deref.c'), testcases: [{input: '1', output: '2'}]});
		t.is(crashing.status, 400);
		t.is(crashing.body['error'], 'The checker failed on testcases[0]: Runtime error: SIGSEGV (exit code -11)');
		await assertHostClean(t, server);
	});

	test.serial(`[${label}] CE: the whole submission, gcc's own message with the file's own name, no test case runs: compile-error.c`, async t => {
		const {status, body} = await judge({code: example('compile-error.c'), testcases: [{output: 'x'}, {output: 'y'}]});
		t.is(status, 200);
		t.like(body, {passed: false, verdict: 'CE', results: [], summary: {passed: 0, total: 2, first_failure: null}});
		t.regex(body['error'], /^source\.c: In function 'main':\n/);
		t.regex(body['error'], /^source\.c:5:28: error: expected '\)' before 'return'/m);
		t.false(body['error'].includes(server.jobRoot), 'the server\'s job path is not in the message');
		table.push(`${label}\tCE\tcompile-error.c\t${JSON.stringify(body['error'].split('\n')[1])}`);
		await assertHostClean(t, server);
	});

	// The CPU-limit cases ask for 100 ms: their wall limit (twice that plus a second) then needs a twelfth of a core,
	// which a loaded machine still gives (at 300 ms, a CI machine's fifth of a core would have been a wall stop).
	test.serial(`[${label}] TLE, CPU: infinite-loop.c at time_limit_ms 100`, async t => {
		const {body, result} = await judgeOne(t, 'infinite-loop.c', {output: ''}, {time_limit_ms: 100});
		t.like(result, {passed: false, verdict: 'TLE', status: 'time_limit', error: 'Time limit exceeded: 100 ms CPU'});
		t.like(body, {verdict: 'TLE', limits: {cpu_time_ms: 100, cpu_time_enforced_ms: enforced(policy, 100), wall_time_ms: 1200}});
		t.true(result['cpu_ms'] >= 100, `cpu_ms ${result['cpu_ms']}`);
		// The helper stops it at the limit under every policy (with or without /proc).
		t.like(result, {exit_code: -9, signal: 'SIGKILL'});
		stoppedNear(t, policy, result['cpu_ms'], enforced(policy, 100));
	});

	test.serial(`[${label}] TLE by measured CPU time, whatever stopped the run: busy-300ms.c at time_limit_ms 100`, async t => {
		const {body, result} = await judgeOne(t, 'busy-300ms.c', {output: 'done'}, {time_limit_ms: 100});
		t.like(result, {passed: false, verdict: 'TLE', status: 'time_limit', error: 'Time limit exceeded: 100 ms CPU'});
		t.like(body, {limits: {cpu_time_ms: 100, cpu_time_enforced_ms: enforced(policy, 100)}});
		t.true(result['cpu_ms'] >= 100, `cpu_ms ${result['cpu_ms']}`);
		// Stopped at the limit under every policy, before it could print.
		t.like(result, {exit_code: -9, signal: 'SIGKILL', actual_output: ''});
	});

	test.serial(`[${label}] TLE, wall: sleep-forever.c, which uses no CPU, at the wall limit of twice the time limit plus a second`, async t => {
		const {result} = await judgeOne(t, 'sleep-forever.c', {output: ''}, {time_limit_ms: 200});
		t.like(result, {verdict: 'TLE', status: 'time_limit', exit_code: -9, actual_output: 'sleeping', error: 'Time limit exceeded: 1400 ms wall clock'});
		t.true(result['time_ms'] >= 1400 && result['time_ms'] < 2500, `time_ms ${result['time_ms']}`);
		t.true(result['cpu_ms'] < 100, `cpu_ms ${result['cpu_ms']}`);
	});

	test.serial(`[${label}] MLE: memory-hog.c at memory_limit_mb 32`, async t => {
		const {body, result} = await judgeOne(t, 'memory-hog.c', {output: ''}, {memory_limit_mb: 32});
		t.like(result, {verdict: 'MLE', status: 'memory_limit', error: 'Memory limit exceeded: 32 MiB'});
		t.like(body, {limits: {memory_mb: 32}});
		t.true(result['memory_kb'] >= 24 * 1024, `memory_kb ${result['memory_kb']}`);
	});

	test.serial(`[${label}] a growing array copied into one twice its size: ${options.unprivileged ? 'RE, its own abort (the address space is capped at the limit plus 16 MiB)' : 'MLE where there is a job cgroup'}`, async t => {
		// The step from 16 to 32 MiB needs 48 MiB of address space at once: a job cgroup allows twice the limit and
		// judges the copy; without one, the cap refuses it while the program holds half the limit, as /health says.
		const {result} = await judgeOne(t, 'array-doubling.c', {output: ''}, {memory_limit_mb: 32});
		if (options.unprivileged) {
			t.like(result, {verdict: 'RE', status: 'signalled', signal: 'SIGABRT'});
		} else {
			t.like(result, {verdict: 'MLE', status: 'memory_limit', error: 'Memory limit exceeded: 32 MiB'});
		}
	});

	test.serial(`[${label}] OLE: output-flood.c, the output shown is cut and flagged`, async t => {
		const {result} = await judgeOne(t, 'output-flood.c', {output: ''});
		t.like(result, {verdict: 'OLE', status: 'output_limit', exit_code: -9, output_truncated: true, error: `Output limit exceeded: ${testLimits.C_RUNNER_OUTPUT_BYTES} bytes`});
		// Stopped from outside, the helper wrote no report; a job cgroup (a root server) still measured the memory.
		t.is(result['memory'], result['memory_kb'] === null ? 'unknown' : `${(result['memory_kb'] / 1024).toFixed(1)}MB`);
		t.is(result['memory_kb'] === null, Boolean(options.unprivileged), 'measured exactly where there is a job cgroup');
	});

	test.serial(`[${label}] OLE on stderr: stderr-flood.c, the error shown is flagged as cut, the output is not`, async t => {
		const {result} = await judgeOne(t, 'stderr-flood.c', {output: ''});
		t.like(result, {verdict: 'OLE', status: 'output_limit', exit_code: -9, actual_output: '', output_truncated: false, error_truncated: true});
		t.true(result['error'].startsWith('flooding stderr with a line of text\n'));
	});

	test.serial(`[${label}] RE with a signal and an empty stderr, said in one line: null-deref.c`, async t => {
		const {result} = await judgeOne(t, 'null-deref.c', {output: ''});
		t.like(result, {verdict: 'RE', status: 'signalled', exit_code: -11, signal: 'SIGSEGV', error: 'Runtime error: SIGSEGV (exit code -11)'});
	});

	test.serial(`[${label}] RE, a failed assert: SIGABRT, not SIGIOT: assert-fail.c`, async t => {
		const {result} = await judgeOne(t, 'assert-fail.c', {input: '0', output: '0'});
		t.like(result, {verdict: 'RE', status: 'signalled', exit_code: -6, signal: 'SIGABRT'});
		t.regex(result['error'], /Assertion `n > 0' failed\.\n$/);
		const executed = await execute(server, {code: example('assert-fail.c'), stdin: '-3'});
		t.like(executed.body, {status: 'signalled', exit_code: -6, signal: 'SIGABRT'});
	});

	test.serial(`[${label}] RE, not TLE: a SIGXCPU the program raised itself, with no CPU time to speak of: raise-sigxcpu.c`, async t => {
		const {result} = await judgeOne(t, 'raise-sigxcpu.c', {id: 0, input: '', output: '42'});
		t.like(result, {verdict: 'RE', status: 'signalled', exit_code: -24, signal: 'SIGXCPU', error: 'Runtime error: SIGXCPU (exit code -24)'});
	});

	test.serial(`[${label}] RE with an exit code, stderr in error: exit-3.c`, async t => {
		const {result} = await judgeOne(t, 'exit-3.c', {input: '-1', output: '-1'});
		t.like(result, {verdict: 'RE', status: 'runtime_error', exit_code: 3, signal: null, error: 'bad input\n'});
	});

	test.serial(`[${label}] figures: touch-64mib.c reports at least 64 MiB resident; busy-300ms.c about 300 ms of CPU`, async t => {
		const memory = await judgeOne(t, 'touch-64mib.c', {output: 'done'}, {memory_limit_mb: 128});
		t.like(memory.result, {verdict: 'AC', error: ''});
		t.true(memory.result['memory_kb'] >= 65_536 && memory.result['memory_kb'] < 80_000, `memory_kb ${memory.result['memory_kb']}`);
		t.is(memory.result['memory'], `${(memory.result['memory_kb'] / 1024).toFixed(1)}MB`);
		const cpu = await judgeOne(t, 'busy-300ms.c', {output: 'done'});
		t.like(cpu.result, {verdict: 'AC'});
		t.like(cpu.body, {limits: {cpu_time_ms: 1000}}, 'the judge\'s own per-case default (C_RUNNER_JUDGE_CPU_MS)');
		t.true(cpu.result['cpu_ms'] >= 280 && cpu.result['cpu_ms'] < 450, `cpu_ms ${cpu.result['cpu_ms']}`);
		t.true(cpu.result['time_ms'] >= cpu.result['cpu_ms'] - 20, `time_ms ${cpu.result['time_ms']}`);
	});

	test.serial(`[${label}] each test case runs in a fresh job directory and /tmp: judge-leftovers.c`, async t => {
		const {body} = await judge({code: example('judge-leftovers.c'), testcases: Array.from({length: 5}, () => ({output: 'fresh'}))});
		t.like(body, {passed: true, summary: {passed: 5, total: 5}});
		await assertHostClean(t, server);
	});

	test.serial(`[${label}] the event stream, read event by event: results as they finish, then the summary: sleep-ms.c`, async t => {
		// slow sleeps 3 s (a 4 s wall limit): long enough for the other two, each in its own sandbox, on a loaded machine.
		const stream = await postEventStream(`${server.url}/judge_c`, {
			code: example('sleep-ms.c'),
			time_limit_ms: 1500,
			testcases: [{id: 'slow', input: '3000', output: '3000'}, {id: 'fast', input: '10', output: '10'}, {id: 'wrong', input: '20', output: '21'}],
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
		await assertHostClean(t, server);
	});

	test.serial(`[${label}] stop_on_first_failure: the first failure stops the rest, SKIPPED, streamed too: sleep-ms.c`, async t => {
		// A 6 s wall limit: a slow test case left alone would sleep its whole 4 s.
		const stream = await postEventStream(`${server.url}/judge_c`, {
			code: example('sleep-ms.c'),
			stop_on_first_failure: true,
			time_limit_ms: 2500,
			testcases: [{id: 'wrong', input: '20', output: '21'}, ...Array.from({length: 5}, (_unused, index) => ({id: `slow${index}`, input: '4000', output: '4000'}))],
		});
		const events = await allEvents(stream);
		const wrongAt = events.find(event => event.event === 'result' && event.data.id === 'wrong')!.at;
		const elapsed = events.at(-1)!.at - wrongAt;
		t.deepEqual(events.map(event => event.event), ['compile', ...Array.from({length: 6}, () => 'result'), 'summary']);
		const summary = events.at(-1)!.data;
		t.like(summary, {passed: false, verdict: 'WA', summary: {passed: 0, total: 6, first_failure: {index: 0, id: 'wrong', verdict: 'WA'}}});
		t.deepEqual(summary.results.map((result: any) => result.verdict), ['WA', 'SKIPPED', 'SKIPPED', 'SKIPPED', 'SKIPPED', 'SKIPPED']);
		t.like(summary.results[1], {passed: false, status: 'skipped', exit_code: null, error: 'Skipped: test case "wrong" failed (WA) and stop_on_first_failure is set'});
		// The one slow test case that had begun beside it was stopped: from the failure to the summary, nothing waited
		// out its 4 s.
		t.true(elapsed < 2500, `${Math.round(elapsed)} ms from the failure to the summary`);
		await assertHostClean(t, server);
	});

	test.serial(`[${label}] a client that leaves the stream stops every sandbox of its judge request`, async t => {
		const stream = await postEventStream(`${server.url}/judge_c`, {
			code: example('sleep-ms.c'),
			testcases: [{input: '10', output: '10'}, ...Array.from({length: 4}, () => ({input: '5000', output: '5000'}))],
		});
		t.is((await stream.next())?.event, 'compile');
		t.is((await stream.next())?.event, 'result');
		stream.close();
		t.true(await eventuallyLogged(server, entry => entry['msg'] === 'client went away'), 'the server noticed the client leaving');
		await assertHostClean(t, server);
	});

	test.serial(`[${label}] /execute_c: time_limit_ms and memory_limit_mb apply, are clamped to the server's maxima and echoed`, async t => {
		const spin = await execute(server, {code: example('infinite-loop.c'), time_limit_ms: 150});
		t.like(spin.body, {status: 'time_limit', limits: {cpu_time_ms: 150, cpu_time_enforced_ms: enforced(policy, 150), wall_time_ms: 1300}});
		t.true(spin.body['cpu_ms'] >= 150, `cpu_ms ${spin.body['cpu_ms']}`);
		t.is(spin.body['stopped_by'], 'cpu_time');
		stoppedNear(t, policy, spin.body['cpu_ms'], enforced(policy, 150));
		const busy = await execute(server, {code: example('busy-300ms.c'), time_limit_ms: 100});
		t.like(busy.body, {status: 'time_limit', stopped_by: 'cpu_time', timed_out: true}, 'over the limit is over, under every policy');
		const clamped = await execute(server, {code: example('hello.c'), time_limit_ms: 999_999, memory_limit_mb: 999_999});
		t.like(clamped.body, {status: 'ok', limits: {cpu_time_ms: 1500, cpu_time_enforced_ms: enforced(policy, 1500), wall_time_ms: 4000, memory_mb: 256}});
		const defaults = await execute(server, {code: example('hello.c')});
		t.like(defaults.body, {limits: {cpu_time_ms: Number(testLimits.C_RUNNER_RUN_CPU_MS), wall_time_ms: Number(testLimits.C_RUNNER_RUN_WALL_MS)}});
		const hog = await execute(server, {code: example('memory-hog.c'), memory_limit_mb: 16});
		t.like(hog.body, {status: 'memory_limit', stopped_by: 'memory', limits: {memory_mb: 16}});
		const bad = await execute(server, {code: example('hello.c'), time_limit_ms: '5'});
		t.is(bad.status, 400);
		await assertHostClean(t, server);
	});

	/** Turbo's documented client (test/turbo/turbo_client.py), run verbatim by python3 against /submit. */
	async function turboClient(code: string, testcases: Array<Record<string, unknown>>): Promise<string> {
		const child = run('python3', [path.join(projectRoot, 'test', 'turbo', 'turbo_client.py')], {
			env: {PATH: process.env['PATH'] ?? '/usr/bin:/bin', TURBO_URL: server.url, NO_PROXY: '*', PYTHONIOENCODING: 'utf-8'},
			timeout: 60_000,
		});
		child.child.stdin!.end(JSON.stringify({user_id: 'student_123', language: 'c', code, testcases}));
		const {stdout} = await child;
		return stdout;
	}

	const turboCases: Array<[string, string, Array<Record<string, unknown>>, RegExp]> = [
		['AC', 'double.c', [{id: 0, input: '5\n', output: '10'}, {id: 1, input: '7\n', output: '14'}], /----\nAll tests passed!\n$/],
		['WA', 'double.c', [{id: 0, input: '5\n', output: '10'}, {id: 1, input: '4\n', output: '9'}], /----\nWrong Answer on TC 1\n$/],
		['RE', 'null-deref.c', [{id: 0, input: '', output: ''}], /----\nRuntime Error on TC 0: Runtime error: SIGSEGV \(exit code -11\)\n$/],
		['RE', 'assert-fail.c', [{id: 0, input: '0', output: '0'}], /----\nRuntime Error on TC 0: .*Assertion `n > 0' failed\.\n\n$/],
		// The wall clock (3000 ms) comes first only when a busy machine gives the loop less than its 1000 ms of CPU.
		['TLE', 'infinite-loop.c', [{id: 0, input: '', output: ''}], /----\nRuntime Error on TC 0: Time limit exceeded: (?:1000 ms CPU|3000 ms wall clock)\n$/],
		['MLE', 'memory-hog.c', [{id: 0, input: '', output: ''}], new RegExp(`----\\nRuntime Error on TC 0: Memory limit exceeded: ${testLimits.C_RUNNER_RUN_MEMORY_MB} MiB\\n$`)],
		['CE', 'compile-error.c', [{id: 0, input: '', output: ''}], /----\nCompilation Error: source\.c: In function 'main':\nsource\.c:5:28: error: expected '\)' before 'return'\n/],
	];
	for (const [verdict, name, testcases, expected] of turboCases) {
		test.serial(`[${label}] Turbo's own client logic, run verbatim, classifies ${verdict} right: ${name}`, async t => {
			const printed = await turboClient(example(name), testcases);
			t.regex(printed, expected);
			t.log(`${label} ${verdict} ${name}:\n${printed}`);
			await assertHostClean(t, server);
		});
	}

	test.serial(`[${label}] Turbo's /submit refuses another language, naming what is supported`, async t => {
		const {status, body} = await post('/submit', {user_id: 'u', language: 'python', code: 'print(1)', testcases: [{id: 0, input: '', output: '1'}]});
		t.is(status, 400);
		t.is(body['error'], 'Field \'language\' must be one of: "c", "cpp" (got "python")');
	});

	test.serial(`[${label}] the verdict table, measured (printed with --verbose)`, t => {
		t.true(table.length >= 10, table.join('\n'));
		t.log(`verdict table (${label}):\n${table.join('\n')}`);
	});
}
