// With job cgroups, a request's run step starts while its program compiles: the launcher joins the run's cgroup
// (the kernel's slow first cgroup move then passes during the compile) and waits, with no sandbox under it, for
// the compile to end. Proven here through the real server: it is there during a slow compile and holds nothing
// but itself; the program then runs as usual; a compile error or a client gone ends it, and nothing is left.
// What a server does with sandboxes made ahead of their jobs turned off (C_RUNNER_LAUNCH_AHEAD=off): with them
// on, a slot's run step takes its run sandbox made ahead instead (launch-ahead.test.ts).
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {assertHostClean, execute, leftoverJobCgroups, leftoverJobDirs, slowSource, startServer, waitFor, type RunningServer} from '../helpers/server.ts';

let server: RunningServer;
test.before(async () => {
	// The slow compile takes about 2.5 s of CPU alone; on a loaded machine (the whole suite at once on two cores)
	// its wall time neared the 10 s default and it was stopped: the compile's limits here leave it room.
	server = await startServer({uidBase: 66_200, env: {C_RUNNER_COMPILE_CACHE_BYTES: '0', C_RUNNER_LAUNCH_AHEAD: 'off', C_RUNNER_COMPILE_WALL_MS: '60000', C_RUNNER_COMPILE_CPU_MS: '60000'}});
});
test.after.always(async () => {
	await server?.stop();
});

/** The memory controller's job cgroups of the server, by step: `compile`, `run`. */
function jobCgroups(step: 'compile' | 'run'): string[] {
	return leftoverJobCgroups(server).filter(dir => dir.includes('/memory/') && path.basename(dir).includes(`-${step}-`));
}

/** Waits until the run step started ahead has joined its cgroup, during the compile; that cgroup's processes. */
async function runAhead(): Promise<string[]> {
	for (let tries = 0; tries < 400; tries++) {
		const [run] = jobCgroups('run');
		const procs = run === undefined ? [] : fs.readFileSync(path.join(run, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean);
		if (procs.length > 0 && jobCgroups('compile').length === 1) {
			return procs;
		}

		await new Promise(resolve => setTimeout(resolve, 10));
	}

	throw new Error('no run step was started ahead during the compile');
}

/** A client gone: the server unwinds the job on its own time (the answer is not waited for), within moments. */
async function hostCleanSoon(t: Parameters<typeof assertHostClean>[0]) {
	await waitFor(() => leftoverJobCgroups(server).length === 0 && leftoverJobDirs(server).length === 0, 5000);
	await assertHostClean(t, server);
}

test.serial('during the compile the run\'s cgroup holds the launcher alone, waiting; then the program runs as usual', async t => {
	const answer = execute(server, {code: slowSource('')});
	const procs = await runAhead();
	t.is(procs.length, 1, 'one process: the launcher');
	t.is(fs.readFileSync(`/proc/${procs[0]}/comm`, 'utf8').trim(), 'c-runner-launch', 'not bwrap yet: no sandbox exists');
	const {status, body} = await answer;
	t.is(status, 200);
	t.like(body, {status: 'ok', output: '0\n', exit_code: 0}, JSON.stringify({stopped_by: body.stopped_by, error: body.error}));
	await assertHostClean(t, server);
});

test.serial('a compile error ends the waiting launcher: no process, no cgroup left', async t => {
	// A link error: gcc compiles the whole slow source first (a syntax error would end it before the run step could
	// be seen waiting), then fails.
	const answer = execute(server, {code: `extern int missing(void);\n${slowSource('missing();')}`});
	await runAhead();
	const {body} = await answer;
	t.like(body, {status: 'compile_error', exit_code: 1, stopped_by: null}, String(body.error));
	await assertHostClean(t, server);
});

test.serial('a client gone during the compile ends both steps', async t => {
	const controller = new AbortController();
	const answer = fetch(`${server.url}/execute_c`, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({code: slowSource('')}), signal: controller.signal});
	await runAhead();
	controller.abort();
	await t.throwsAsync(answer);
	await hostCleanSoon(t);
});

test.serial('a run with stdin is started ahead too: its stdin file, written after the compile, is bound into the sandbox made at the go', async t => {
	const answer = execute(server, {code: slowSource('char line[32]; if (fgets(line, sizeof line, stdin)) fputs(line, stdout);'), stdin: 'the input\n'});
	const procs = await runAhead();
	t.is(fs.readFileSync(`/proc/${procs[0]}/comm`, 'utf8').trim(), 'c-runner-launch');
	t.is(fs.readlinkSync(`/proc/${procs[0]}/fd/0`), '/dev/null', 'no stdin before the go');
	t.like((await answer).body, {status: 'ok', output: '0\nthe input\n'});
	await assertHostClean(t, server);
});
