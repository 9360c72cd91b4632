// Judges that one request cannot turn against the server or its clients, through the real server, gcc and bwrap:
// output comparison in linear time (megabytes of whitespace, from the program and from the client, while another
// request is answered promptly), and a whole-request time budget that ends a judge of looping test cases in bounded
// time with the rest SKIPPED.
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {assertHostClean, example, startServer, waitFor, type RunningServer} from '../helpers/server.ts';

const mib = 1024 * 1024;
const budgetMs = 3000;
let server: RunningServer;
/** The same, with a short judge time budget. */
let budgeted: RunningServer;
test.before(async () => {
	const env = {
		C_RUNNER_OUTPUT_BYTES: String(8 * mib),
		C_RUNNER_BODY_LIMIT_BYTES: String(24 * mib),
		C_RUNNER_JUDGE_MAX_TEST_BYTES: String(9 * mib),
		C_RUNNER_JUDGE_MAX_TESTS: '200',
	};
	[server, budgeted] = await Promise.all([
		startServer({uidBase: 65_020, env}),
		startServer({uidBase: 65_040, env: {...env, C_RUNNER_JUDGE_BUDGET_MS: String(budgetMs)}}),
	]);
});
test.after.always(async () => {
	await Promise.all([server?.stop(), budgeted?.stop()]);
});

async function judge(body: Record<string, unknown>, target = server) {
	const response = await fetch(`${target.url}/judge_c`, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)});
	return {status: response.status, body: await response.json() as Record<string, any>};
}

/** Asks for the OpenAPI document (pure event-loop work) every 20 ms until stopped; the slowest answer, ms. */
function pollLatency() {
	let slowest = 0;
	let count = 0;
	let running = true;
	const done = (async () => {
		while (running) {
			const started = performance.now();
			const response = await fetch(`${server.url}/openapi.json`);
			await response.arrayBuffer();
			slowest = Math.max(slowest, performance.now() - started);
			count++;
			await new Promise(resolve => setTimeout(resolve, 20));
		}
	})();
	return async () => {
		running = false;
		await done;
		return {slowest, count};
	};
}

test.serial('megabytes of whitespace, in the output and in the expected output, compare in linear time: whitespace-flood.c', async t => {
	const spaces = ' '.repeat(4 * mib);
	const stop = pollLatency();
	const started = performance.now();
	const {status, body} = await judge({
		code: example('whitespace-flood.c'),
		testcases: [
			{id: 'output', input: '4096', output: ''},
			{id: 'both', input: '4096', output: `${spaces}\n${spaces}`},
			{id: 'expected', input: '0', output: `x${spaces}`},
		],
	});
	const elapsed = performance.now() - started;
	const {slowest, count} = await stop();
	t.is(status, 200, JSON.stringify(body).slice(0, 500));
	t.deepEqual(body['results'].map((result: any) => result.verdict), ['AC', 'AC', 'WA']);
	t.like(body['results'][0], {actual_output: '', output_truncated: false});
	t.log(`judge of 3 × 4 MiB of whitespace: ${Math.round(elapsed)} ms; ${count} other requests meanwhile, the slowest answered in ${Math.round(slowest)} ms`);
	// A quadratic comparison took seconds on 50,000 spaces and would take hours on 4 MiB; this bound is loose on purpose
	// (a loaded machine stalls the test's own event loop too).
	t.true(slowest < 10_000, `the slowest other request took ${Math.round(slowest)} ms`);
	t.true(count > 0);
	const tokens = await judge({code: example('whitespace-flood.c'), compare: 'tokens', testcases: [{input: '4096', output: spaces}]});
	t.like(tokens.body, {verdict: 'AC'});
	await assertHostClean(t, server);
});

test.serial('the time budget ends a 100-case judge of a looping program in bounded time, the rest SKIPPED: infinite-loop.c', async t => {
	const started = performance.now();
	// 300 ms of CPU, 1600 ms of wall time at most per test case: the first ones end well inside the budget, however busy the machine.
	const {status, body} = await judge({code: example('infinite-loop.c'), time_limit_ms: 300, testcases: Array.from({length: 100}, () => ({output: ''}))}, budgeted);
	const elapsed = performance.now() - started;
	t.is(status, 200);
	const verdicts = body['results'].map((result: any) => result.verdict as string);
	const skipped = verdicts.filter((verdict: string) => verdict === 'SKIPPED').length;
	t.log(`100 looping test cases, budget ${budgetMs} ms: answered in ${Math.round(elapsed)} ms; ${100 - skipped} TLE, ${skipped} SKIPPED`);
	t.like(body, {passed: false, verdict: 'TLE', summary: {passed: 0, total: 100, first_failure: {index: 0, verdict: 'TLE'}}});
	t.true(verdicts.slice(0, 2).every((verdict: string) => verdict === 'TLE'), verdicts.join(' '));
	// Two at a time, each at least 300 ms: at most 20 can end within the 3 s budget.
	t.true(skipped >= 75, `${skipped} skipped`);
	t.like(body['results'].at(-1), {verdict: 'SKIPPED', passed: false, error: `Skipped: the judge's time budget of ${budgetMs} ms ran out`});
	// The budget, the compile and the time to stop the sandboxes running at that moment: nowhere near 100 × 1.6 s.
	t.true(elapsed < budgetMs + 15_000, `${Math.round(elapsed)} ms`);
	await assertHostClean(t, budgeted);
});

/** The job directories of `target` holding a program: a `source` file (the program's name) with something in it. */
const programs = (target: RunningServer) => fs.readdirSync(target.jobRoot).filter(name => {
	const size = fs.statSync(path.join(target.jobRoot, name, 'source'), {throwIfNoEntry: false})?.size ?? 0;
	return size > 0;
});

test('a test case holds one copy of the program on the job root, not two: the run sandbox made ahead takes the only one', async t => {
	const one = await startServer({uidBase: 66_640, env: {C_RUNNER_CONCURRENCY: '1', C_RUNNER_JUDGE_PARALLEL: '1'}});
	try {
		const code = '#include <stdio.h>\n#include <unistd.h>\nint main(void) { sleep(3); puts("one copy"); return 0; }\n';
		const judged = judge({code, time_limit_ms: 5000, testcases: [{input: '', expected_output: 'one copy'}]}, one);
		let seen: string[] = [];
		// The compile's directory and the run sandbox's (filled once its program is written into it).
		t.true(await waitFor(() => (seen = programs(one)).length >= 2, 20_000), seen.join(' '));
		await new Promise(resolve => setTimeout(resolve, 300));
		t.is(programs(one).length, 2, programs(one).join(' '));
		t.like((await judged).body, {verdict: 'AC'});
		await assertHostClean(t, one);
	} finally {
		await one.stop();
	}
});

test('judges hold their programs on the job root C_RUNNER_JUDGES at a time: the others wait before their compile', async t => {
	// Two judges at once (the default: one per slot); eight sent together.
	const bounded = await startServer({uidBase: 66_670, env: {C_RUNNER_CONCURRENCY: '2', C_RUNNER_JUDGE_PARALLEL: '1', C_RUNNER_QUEUE_LENGTH: '8'}});
	try {
		const code = '#include <stdio.h>\n#include <unistd.h>\nint main(void) { usleep(400000); puts("held"); return 0; }\n';
		const sent = Array.from({length: 8}, async () => judge({code, testcases: [{input: '', expected_output: 'held'}, {input: '', expected_output: 'held'}]}, bounded));
		let most = 0;
		let done = false;
		const all = Promise.all(sent).finally(() => {
			done = true;
		});
		// /health shows the judges past their wait and those waiting for their turn.
		const health = (async () => {
			let seen = {running: 0, queued: 0};
			while (!done) {
				const {judges} = await (await fetch(`${bounded.url}/health`)).json() as {judges: {capacity: number; running: number; queued: number}};
				t.is(judges.capacity, 2);
				seen = {running: Math.max(seen.running, judges.running), queued: Math.max(seen.queued, judges.queued)};
				await new Promise(resolve => setTimeout(resolve, 50));
			}

			return seen;
		})();
		while (!done) {
			most = Math.max(most, programs(bounded).length);
			await new Promise(resolve => setTimeout(resolve, 10));
		}

		// At their most: two judging, and (all eight sent at once, the first two judging for a second at least) six waiting.
		const seen = await health;
		t.is(seen.running, 2);
		t.true(seen.queued >= 4 && seen.queued <= 6, JSON.stringify(seen));

		for (const {status, body} of await all) {
			t.like({status, body}, {status: 200, body: {verdict: 'AC'}});
		}

		// Each judge running: its compiled program, and the copy of the test case running (one at a time).
		t.true(most >= 2 && most <= 4, `${most} job directories held a program at once`);
		await assertHostClean(t, bounded);
	} finally {
		await bounded.stop();
	}
});
