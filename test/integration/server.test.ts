// The server's life cycle through the real process: start-up sweep, a second instance beside a live one, client
// disconnects, a full queue, SIGTERM draining, bad configuration, the bearer token and /health.
import {spawn, spawnSync} from 'node:child_process';
import {once} from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import {pathToFileURL} from 'node:url';
import zlib from 'node:zlib';
import avaTest, {type ExecutionContext} from 'ava';
import {rawRequest} from '../helpers/raw-http.ts';
import {connect} from '../helpers/ws-client.ts';
import {assertHostClean, eventuallyClean, eventuallyLogged, example, execute, hostProcesses, leftoverInstanceCgroups, leftoverJobCgroups, leftoverJobDirs, leftoverProcesses, programRuns, projectRoot, run, serverArgs, settledAhead, slowSource, startServer, testLimits, uidOffset, waitFor, type RunningServer} from '../helpers/server.ts';

// Each test has its own server, so they never share uids: 62200 + 10 per test.
/**
 * This file's tests run at most eight at a time (the serial ones alone, as ever): each starts a server or two — a
 * start-up self-test, eight sandboxes made ahead —, and all forty at once on two cores, beside the other files, kept
 * some from seeing their job start within their own deadlines.
 */
const concurrentTests = 8;
let testsRunning = 0;
const testsWaiting: Array<() => void> = [];
async function inTurn(body: () => Promise<void> | void): Promise<void> {
	while (testsRunning >= concurrentTests) {
		await new Promise<void>(resolve => {
			testsWaiting.push(resolve);
		});
	}

	testsRunning++;
	try {
		await body();
	} finally {
		testsRunning--;
		testsWaiting.shift()?.();
	}
}

const test = Object.assign(
	(title: string, body: (t: ExecutionContext) => Promise<void> | void) => {
		avaTest(title, async t => inTurn(async () => body(t)));
	},
	{serial: avaTest.serial},
);

const uidBase = (index: number) => 62_200 + (index * 10);
const noJobCgroups = 'no job cgroups: accounting by the sandbox helper\'s sampling and rlimits';


/** A job directory as an instance whose process has ended would have left it. */
function plantStaleJobDir(jobRoot: string, name: string, owner: {pid: number; start: string}) {
	const dir = path.join(jobRoot, name);
	fs.mkdirSync(path.join(dir, 'deep', 'er'), {recursive: true, mode: 0o700});
	fs.writeFileSync(path.join(dir, '.owner'), JSON.stringify(owner));
	fs.writeFileSync(path.join(dir, 'deep', 'er', 'locked'), 'x', {mode: 0o400});
	fs.chmodSync(path.join(dir, 'deep'), 0o500);
	return dir;
}

test('start-up sweep removes only the directories of instances that are gone', async t => {
	const jobRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'c-runner-test-'));
	fs.chmodSync(jobRoot, 0o711);
	const dead = spawnSync('true');
	const stale = plantStaleJobDir(jobRoot, 'c_exec_00000000-0000-4000-8000-000000000001', {pid: dead.pid!, start: '1'});
	const selfStart = fs.readFileSync(`/proc/${process.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[19]!;
	const live = plantStaleJobDir(jobRoot, 'c_exec_00000000-0000-4000-8000-000000000002', {pid: process.pid, start: selfStart});
	const reusedPid = plantStaleJobDir(jobRoot, 'c_exec_00000000-0000-4000-8000-000000000003', {pid: process.pid, start: 'another-start'});
	const unmarked = path.join(jobRoot, 'c_exec_00000000-0000-4000-8000-000000000004');
	fs.mkdirSync(unmarked);
	const server = await startServer({uidBase: uidBase(0), jobRoot});
	try {
		t.false(fs.existsSync(stale), 'the directory of a dead instance is removed, read-only subtree and all');
		t.false(fs.existsSync(reusedPid), 'a pid reused by another process does not keep a directory alive');
		t.true(fs.existsSync(live), 'the directory of a running instance is kept');
		t.true(fs.existsSync(unmarked), 'a directory without an owner mark is not known to be ours and is kept');
		t.is(server.logs.find(entry => entry['msg'] === 'c-runner listening')?.['swept'], 2);
		t.like(server.logs.find(entry => entry['msg'] === 'start-up sweep done'), {removed: 2, leftAlone: 2}, 'what was left alone is counted');
	} finally {
		await server.stop();
		fs.rmSync(jobRoot, {recursive: true, force: true});
	}
});

test('a second instance on the same job root never touches the first one\'s running job', async t => {
	// job-victim.c sleeps 5 s: a 10 s wall limit, not the tests' 2 s.
	const first = await startServer({uidBase: uidBase(1), env: {C_RUNNER_RUN_WALL_MS: '10000'}});
	let second: RunningServer | undefined;
	try {
		const running = execute(first, {code: example('job-victim.c')});
		t.true(await waitFor(() => leftoverJobDirs(first).length > 0, 30_000), 'the first instance\'s job started');
		second = await startServer({uidBase: uidBase(2), jobRoot: first.jobRoot});
		t.is(second.logs.find(entry => entry['msg'] === 'c-runner listening')?.['swept'], 0);
		// The second instance's own job directories (its compile sandboxes made ahead) are marked as its before the
		// first instance's host is checked: one being made has no mark for a moment.
		await settledAhead(second, 4);
		const {body} = await running;
		t.like(body, {status: 'ok', output: 'victim: intact\n'});
		await assertHostClean(t, first);
	} finally {
		await second?.stop();
		await first.stop();
	}
});

test('a second instance in another time namespace (its boot clock offset) never touches the first one\'s running job', async t => {
	// /proc/<pid>/stat gives each reader starts counted from its own namespace's boot: the first instance's start, as
	// the second read it, was a day later than its job directories' and cgroups' names say.
	const first = await startServer({uidBase: 67_800, env: {C_RUNNER_RUN_WALL_MS: '10000'}});
	let second: RunningServer | undefined;
	try {
		const running = execute(first, {code: example('job-victim.c')});
		t.true(await waitFor(() => leftoverJobDirs(first).length > 0, 30_000), 'the first instance\'s job started');
		second = await startServer({uidBase: 67_820, jobRoot: first.jobRoot, wrap: ['unshare', '--time', '--boottime', '86400']});
		await settledAhead(second, 4);
		const {body} = await running;
		t.like(body, {status: 'ok', output: 'victim: intact\n'});
		const listening = (server: RunningServer) => server.logs.find(entry => entry['msg'] === 'c-runner listening');
		t.is(listening(second)?.['swept'], 0);
		t.is(listening(second)?.['accounting'], listening(first)?.['accounting'], `the same accounting: no cgroup of the first was in its way (${String(second.logs.find(entry => entry['msg'] === noJobCgroups)?.['reason'])})`);
		await assertHostClean(t, first);
	} finally {
		await second?.stop();
		await first.stop();
	}
});

/**
 * `unshare --pid --fork`: the server is the new pid namespace's pid 1, and sees none of the host's processes (the
 * host sees it by another pid). unshare ignores SIGTERM while it waits: the server is signalled itself, and unshare
 * ends with it (--kill-child: a server whose unshare is killed is sent SIGTERM).
 */
const ownPidNamespace = ['unshare', '--pid', '--fork', '--kill-child=SIGTERM', '--mount-proc'];
async function stopInOwnPidNamespace(server: RunningServer) {
	const inner = Number(fs.readFileSync(`/proc/${server.pid}/task/${server.pid}/children`, 'utf8').trim());
	if (Number.isSafeInteger(inner) && inner > 0) {
		process.kill(inner, 'SIGTERM');
	}

	return server.stop();
}

test('two unprivileged instances of one uid on one job root, the second in its own pid namespace: it never sweeps the first one\'s running job', async t => {
	// Their job directories are of the same uid, so each sweep looks at the other's; the first's pid, in its marks, is
	// no process of the second's. Its lock file tells. (unshare --user --map-current-user: an unprivileged server may
	// make a pid namespace only in a user namespace of its own, where it keeps its uid.)
	const first = await startServer({uidBase: 67_920, runAs: 67_920, env: {C_RUNNER_RUN_WALL_MS: '10000'}});
	let second: RunningServer | undefined;
	try {
		const running = execute(first, {code: example('job-victim.c')});
		t.true(await waitFor(() => leftoverJobDirs(first).length > 0, 30_000), 'the first instance\'s job started');
		second = await startServer({uidBase: 67_940, runAs: 67_920, jobRoot: first.jobRoot, wrap: ['unshare', '--user', '--map-current-user', ...ownPidNamespace.slice(1)]});
		t.is(second.logs.find(entry => entry['msg'] === 'c-runner listening')?.['swept'], 0);
		const {body} = await running;
		t.like(body, {status: 'ok', output: 'victim: intact\n'});
		t.like((await execute(second, {code: example('hello.c')})).body, {status: 'ok', output: 'Hello from C!'});
		// Processes of the first's uid are the second's too, until it is gone.
		await stopInOwnPidNamespace(second);
		second = undefined;
		await assertHostClean(t, first);
	} finally {
		await (second === undefined ? undefined : stopInOwnPidNamespace(second));
		await first.stop();
	}
});

for (const [index, [which, wrapFirst, wrapSecond]] of ([['the second', [], ownPidNamespace], ['the first', ownPidNamespace, []]] as const).entries()) {
	test(`${which} of two instances on one job root and one parent cgroup in its own pid namespace: neither touches the other's running job`, async t => {
		// A pid means nothing outside its namespace: the first instance's pid, in the marks of its job directories and
		// the name of its cgroups, is no process of the second's, or another one. Their locks tell.
		const first = await startServer({uidBase: 67_840 + (index * 40), env: {C_RUNNER_RUN_WALL_MS: '10000'}, wrap: wrapFirst});
		let second: RunningServer | undefined;
		try {
			const running = execute(first, {code: example('job-victim.c')});
			t.true(await waitFor(() => fs.readdirSync(first.jobRoot).some(name => name.startsWith('c_exec_') && fs.existsSync(path.join(first.jobRoot, name, 'source')) && fs.statSync(path.join(first.jobRoot, name, 'source')).size > 0), 30_000), 'the first instance\'s job started');
			second = await startServer({uidBase: 67_860 + (index * 40), jobRoot: first.jobRoot, wrap: wrapSecond});
			const listening = (server: RunningServer) => server.logs.find(entry => entry['msg'] === 'c-runner listening');
			t.is(listening(second)?.['swept'], 0, 'the second swept none of the first\'s job directories');
			t.is(listening(second)?.['accounting'], 'cgroup-v1', `job cgroups for the second too (${String(second.logs.find(entry => entry['msg'] === noJobCgroups)?.['reason'])})`);
			const {body} = await running;
			t.like(body, {status: 'ok', output: 'victim: intact\n'});
			// Each serves on, with its cgroups: a job's memory is measured whole (a cgroup's figure), on both.
			for (const server of [first, second]) {
				t.like((await execute(server, {code: example('hello.c')})).body, {status: 'ok', output: 'Hello from C!'});
			}
		} finally {
			await (second === undefined ? undefined : wrapSecond.length > 0 ? stopInOwnPidNamespace(second) : second.stop());
			await (wrapFirst.length > 0 ? stopInOwnPidNamespace(first) : first.stop());
		}

		// Both gone: neither left a job directory or a lock file in the job root they shared (removed by stop() when empty).
		t.false(fs.existsSync(first.jobRoot) && fs.readdirSync(first.jobRoot).length > 0, `left: ${fs.existsSync(first.jobRoot) ? fs.readdirSync(first.jobRoot).join(', ') : ''}`);
	});
}

test('a client that disconnects cancels its job; the sandbox and the directory go at once', async t => {
	const server = await startServer({uidBase: uidBase(3), env: {C_RUNNER_RUN_WALL_MS: '20000', C_RUNNER_RUN_CPU_MS: '20000'}});
	try {
		const controller = new AbortController();
		const request = fetch(`${server.url}/execute_c`, {
			method: 'POST',
			headers: {'Content-Type': 'application/json'},
			body: JSON.stringify({code: example('sleep-forever.c')}),
			signal: controller.signal,
		}).catch((error: unknown) => error);
		t.true(await waitFor(() => programRuns(server), 30_000), 'the program runs');
		controller.abort();
		await request;
		// Far below the 20 s wall limit: only the cancellation can have stopped it.
		t.true(await waitFor(() => leftoverProcesses(server).length === 0 && leftoverJobDirs(server).length === 0, 10_000), 'cleaned up within moments');
		t.true(await eventuallyLogged(server, entry => entry['status'] === 499), 'logged as 499, client closed request');
		await assertHostClean(t, server);
	} finally {
		await server.stop();
	}
});

test('past the slots and the queue: 503 with Retry-After, and the queued job still runs', async t => {
	// The slot stays taken until the test lets it go (a 30 s wall limit), however slow the machine.
	const server = await startServer({uidBase: uidBase(4), env: {C_RUNNER_CONCURRENCY: '1', C_RUNNER_QUEUE_LENGTH: '1', C_RUNNER_RUN_WALL_MS: '30000'}});
	try {
		const holder = new AbortController();
		const running = fetch(`${server.url}/execute_c`, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({code: example('sleep-forever.c')}), signal: holder.signal});
		t.true(await waitFor(() => programRuns(server), 30_000), 'the program runs');
		const queued = execute(server, {code: example('hello.c')});
		// The queue is full once the server says so, not after a guess at how long that takes.
		const queueDepth = async () => /^c_runner_queue_depth (\d+)$/m.exec(await (await fetch(`${server.url}/metrics`)).text())?.[1];
		t.true(await waitFor(async () => await queueDepth() === '1', 10_000, 20), 'the second request waits in the queue');
		const rejected = await execute(server, {code: example('hello.c')});
		t.is(rejected.status, 503);
		t.is(rejected.headers.get('retry-after'), '1');
		t.regex(rejected.body['error'], /busy/);
		holder.abort();
		await t.throwsAsync(running);
		t.like((await queued).body, {status: 'ok', output: 'Hello from C!'});
		await assertHostClean(t, server);
	} finally {
		await server.stop();
	}
});

test('SIGTERM: no new connections, the job in flight finishes and is cleaned up, exit 0', async t => {
	// A program that runs 8 s, so that a loaded machine's test worker still sees it running; the stop waits for it.
	const server = await startServer({uidBase: uidBase(5), env: {C_RUNNER_RUN_WALL_MS: '8000', C_RUNNER_RUN_CPU_MS: '8000', C_RUNNER_SHUTDOWN_MS: '60000'}});
	const running = execute(server, {code: example('sleep-forever.c')});
	t.true(await waitFor(() => programRuns(server), 30_000), 'the program runs');
	server.process.kill('SIGTERM');
	// Logged by the signal's handler just before it closes the listening socket.
	t.true(await eventuallyLogged(server, entry => String(entry['msg']).startsWith('shutting down: ')));
	await t.throwsAsync(fetch(`${server.url}/health`), undefined, 'no new connections');
	const {status, body} = await running;
	t.is(status, 200);
	t.like(body, {status: 'time_limit', output: 'sleeping\n'});
	t.deepEqual(await server.stop(), {code: 0, signal: null});
	await assertHostClean(t, server);
});

/** A connection that has sent these bytes and is kept open; everything the server answers on it, once it closes it. */
function openConnection(server: RunningServer, bytes: string): {readonly socket: net.Socket; readonly answer: Promise<string>} {
	const {socket, closed} = connection(server.url, bytes);
	return {socket, answer: closed.then(({answer}) => answer)};
}

test('SIGTERM closes connections with no request being answered at once: one silent, one half through its headers', async t => {
	const server = await startServer({uidBase: 67_960, env: {C_RUNNER_SHUTDOWN_MS: '60000'}});
	const silent = openConnection(server, '');
	const halfHeaders = openConnection(server, 'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n');
	// Both accepted by the server before the stop: a request of its own on a third connection is answered after them.
	t.is((await fetch(`${server.url}/health`)).status, 200);
	const stopped = performance.now();
	// Within 20 s, where a stop held by them took the 60 s grace period and 5 s more.
	t.deepEqual(await server.stop('SIGTERM', 20_000), {code: 0, signal: null});
	t.true(performance.now() - stopped < 20_000);
	t.is(await silent.answer, '', 'closed with no answer: it asked nothing');
	t.is(await halfHeaders.answer, '', 'closed with no answer: its request never arrived whole');
	await assertHostClean(t, server);
});

test('SIGTERM: the answer under way says Connection: close, and a request still sent on a kept-alive connection runs nothing', async t => {
	// Programs that sleep until the wall clock stops them, 9 s on (twice a time limit of 4 s, and 1 s): a loaded
	// machine's test worker still finds the event stream going when it sends its request after the stop.
	const server = await startServer({uidBase: 67_980, env: {C_RUNNER_SHUTDOWN_MS: '60000'}});
	const body = (code: string) => JSON.stringify({code, time_limit_ms: 4000});
	const post = (path: string, json: string, accept = 'application/json') => `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept: ${accept}\r\nContent-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`;
	// A plain answer not yet begun at the stop, and a judge's event stream whose headers went before it (so its
	// connection is kept alive), on which the client sends another request once the stop has begun.
	const plain = openConnection(server, post('/execute_c', body(example('sleep-forever.c'))));
	const judge = JSON.stringify({code: example('sleep-forever.c'), time_limit_ms: 4000, testcases: [{output: 'sleeping'}]});
	const streamed = openConnection(server, post('/judge_c', judge, 'text/event-stream'));
	t.true(await waitFor(() => leftoverProcesses(server).filter(proc => proc.command.startsWith(`${server.jobRoot}/c_exec_`)).length === 2, 30_000), 'both programs run');
	server.process.kill('SIGTERM');
	t.true(await eventuallyLogged(server, entry => String(entry['msg']).startsWith('shutting down: ')));
	streamed.socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
	const answers = await Promise.all([plain.answer, streamed.answer]);
	t.regex(answers[0], /^HTTP\/1\.1 200 [^]*\r\nconnection: close\r\n/i, 'the answer under way tells the client not to send another on its connection');
	const afterStream = answers[1].slice(answers[1].lastIndexOf('HTTP/1.1 '));
	t.regex(answers[1], /^HTTP\/1\.1 200 /);
	t.regex(afterStream, /^HTTP\/1\.1 503 [^]*\r\nconnection: close\r\n[^]*Server is shutting down: it takes no new requests/i, 'the request sent behind the stream is refused, not run');
	t.deepEqual(await server.stop(), {code: 0, signal: null});
	await assertHostClean(t, server);
});

test('a server that does not exit after its SIGTERM is killed by stop(), which says so: never left running', async t => {
	const server = await startServer({uidBase: 66_770});
	const {pid, jobRoot} = server;
	// Stopped, as a server hung in its exit would be: the signal is never handled.
	process.kill(pid, 'SIGSTOP');
	await t.throwsAsync(server.stop('SIGTERM', 2000), {message: /^the server did not exit within 2000 ms of SIGTERM \(killed; its threads were .*MainThread/});
	t.false(fs.existsSync(`/proc/${pid}`), 'killed and reaped');
	// What the killed server held goes with the next one's start-up sweep, as after a crash.
	const next = await startServer({uidBase: 66_770, jobRoot});
	try {
		t.true(await waitFor(() => leftoverInstanceCgroups(pid).length === 0, 10_000), leftoverInstanceCgroups(pid).join(' '));
		t.true(next.logs.some(entry => entry['msg'] === 'start-up sweep done' && Number(entry['removed']) >= 1));
	} finally {
		await next.stop();
		fs.rmSync(jobRoot, {recursive: true, force: true});
	}
});

test('a test process killed while its server runs takes the server with it: the server stops itself, leaving nothing', async t => {
	// What ava does to a test file past its time-out: no exit hook runs in a process killed.
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'c-runner-test-'));
	const script = path.join(dir, 'killed.ts');
	fs.writeFileSync(script, `import {startServer} from ${JSON.stringify(path.join(projectRoot, 'test', 'helpers', 'server.ts'))};\nconst server = await startServer({uidBase: 66_750});\nconsole.log(JSON.stringify({pid: server.pid, jobRoot: server.jobRoot, cacheDir: server.cacheDir}));\nsetInterval(() => {}, 1000);\n`);
	const child = spawn(process.execPath, [script], {stdio: ['ignore', 'pipe', 'inherit'], env: process.env});
	try {
		const line = await new Promise<string>((resolve, reject) => {
			readline.createInterface({input: child.stdout}).once('line', resolve);
			child.once('exit', () => reject(new Error('the test process ended before its server listened')));
		});
		const {pid, jobRoot, cacheDir} = JSON.parse(line) as {pid: number; jobRoot: string; cacheDir: string};
		t.true(fs.existsSync(`/proc/${pid}`));
		child.kill('SIGKILL');
		t.true(await waitFor(() => !fs.existsSync(`/proc/${pid}`), 30_000), 'the server is gone');
		t.deepEqual(fs.readdirSync(jobRoot), [], 'its job directories (the sandboxes made ahead) with it');
		t.deepEqual(hostProcesses().filter(entry => entry.uid >= 66_750 + uidOffset && entry.uid < 66_760 + uidOffset), [], 'and its sandboxes');
		t.deepEqual(leftoverInstanceCgroups(pid), [], 'and its cgroups');
		fs.rmSync(jobRoot, {recursive: true, force: true});
		fs.rmSync(cacheDir, {recursive: true, force: true});
	} finally {
		child.kill('SIGKILL');
		fs.rmSync(dir, {recursive: true, force: true});
	}
});

test('SIGTERM past the grace period cancels the job in flight: 503, cleaned up, exit 0', async t => {
	const server = await startServer({uidBase: uidBase(6), env: {C_RUNNER_RUN_WALL_MS: '20000', C_RUNNER_RUN_CPU_MS: '20000', C_RUNNER_SHUTDOWN_MS: '500'}});
	const running = execute(server, {code: example('sleep-forever.c')});
	t.true(await waitFor(() => programRuns(server), 30_000), 'the program runs');
	server.process.kill('SIGTERM');
	const {status, body} = await running;
	t.is(status, 503);
	t.regex(body['error'], /shutting down/);
	t.deepEqual(await server.stop(), {code: 0, signal: null});
	await assertHostClean(t, server);
});

test('a stop counts the Judge0 submissions still running in its log, runs them out, and leaves nothing', async t => {
	const server = await startServer({uidBase: 66_580, env: {C_RUNNER_RUN_WALL_MS: '20000', C_RUNNER_RUN_CPU_MS: '20000', C_RUNNER_SHUTDOWN_MS: '500'}});
	const created = await fetch(`${server.url}/submissions`, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({source_code: example('sleep-forever.c'), language_id: 50})});
	t.is(created.status, 201);
	t.true(await waitFor(() => programRuns(server), 30_000), 'the submission runs');
	server.process.kill('SIGTERM');
	t.true(await eventuallyLogged(server, entry => String(entry['msg']).startsWith('shutting down: ') && entry['judge0Pending'] === 1));
	t.deepEqual(await server.stop(), {code: 0, signal: null});
	await assertHostClean(t, server);
});

test('a second SIGTERM cancels the job in flight at once, long before the grace period', async t => {
	const server = await startServer({uidBase: 66_440, env: {C_RUNNER_RUN_WALL_MS: '20000', C_RUNNER_RUN_CPU_MS: '20000', C_RUNNER_SHUTDOWN_MS: '60000'}});
	const running = execute(server, {code: example('sleep-forever.c')});
	t.true(await waitFor(() => programRuns(server), 30_000), 'the program runs');
	server.process.kill('SIGTERM');
	t.true(await eventuallyLogged(server, entry => String(entry['msg']).startsWith('shutting down: ')));
	// Past the half second within which the same signal again is the same stop.
	await new Promise(resolve => setTimeout(resolve, 600));
	const second = performance.now();
	server.process.kill('SIGTERM');
	const {status, body} = await running;
	t.is(status, 503);
	t.regex(body['error'], /shutting down/);
	t.true(performance.now() - second < 30_000, 'answered at the second signal, not at the 60 s grace period');
	t.true(server.logs.some(entry => entry['msg'] === 'shutting down now: the jobs in flight are cancelled'));
	t.deepEqual(await server.stop(), {code: 0, signal: null});
	await assertHostClean(t, server);
});

test('a stop cuts a request whose body is still arriving as soon as jobs are cancelled, not 5 s later', async t => {
	// No grace period: jobs are cancelled at the signal. The 5 s kept after that for answers still being sent held the
	// stop of a server with nothing running, for a client that had sent half its body.
	const server = await startServer({uidBase: 66_600, env: {C_RUNNER_SHUTDOWN_MS: '0'}});
	const socket = net.connect(Number(new URL(server.url).port), '127.0.0.1');
	socket.on('error', () => {});
	const closed = once(socket, 'close');
	socket.write('POST /execute_c HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\nExpect: 100-continue\r\n\r\n');
	// Node answers 100 Continue once it has read the headers: the request is the server's before the signal.
	t.regex(String(await once(socket, 'data')), /^HTTP\/1\.1 100 Continue/);
	socket.write('{"code": "int main');
	t.deepEqual(await server.stop(), {code: 0, signal: null});
	await closed;
	// Its last log lines may still be in the pipe when the server has exited.
	const cut = (entry: Record<string, unknown>) => entry['path'] === '/execute_c' && entry['status'] === 499;
	t.true(await eventuallyLogged(server, cut), 'the cut request is logged as gone');
	// Timed by the server's own clock, from its stop to the cut request's line: the cut is what is tested, not the
	// rest of the stop (the sandboxes made ahead ended and removed), nor a loaded test worker's late look at it.
	const stopAt = server.logs.find(entry => String(entry['msg']).startsWith('shutting down'))?.['time'] as number;
	const cutAfterMs = (server.logs.find(cut)?.['time'] as number) - stopAt;
	t.true(cutAfterMs < 4000, `cut ${cutAfterMs} ms after the stop began`);
	await assertHostClean(t, server);
});

test('the same signal twice at once (Ctrl-C reaching npm start\'s script and the server) is one stop: the job in flight finishes', async t => {
	const server = await startServer({uidBase: 66_470, env: {C_RUNNER_RUN_WALL_MS: '20000'}});
	// 6 s: long enough for a loaded machine's test worker to see it running.
	const running = execute(server, {code: example('sleep-ms.c'), stdin: '6000'});
	t.true(await waitFor(() => programRuns(server), 30_000), 'the program runs');
	// The second 50 ms after the first, as the set-up script's copy arrives a moment after the terminal's: delivered
	// apart (two pending at once are one to the kernel), and sent by a shell, so that a stall of the test's own event
	// loop cannot push it past the half second.
	t.is(spawnSync('sh', ['-c', `kill -INT ${server.pid}; sleep 0.05; kill -INT ${server.pid}`]).status, 0);
	const {status, body} = await running;
	t.is(status, 200, JSON.stringify(body));
	t.like(body, {status: 'ok', output: '6000\n'});
	t.false(server.logs.some(entry => entry['msg'] === 'shutting down now: the jobs in flight are cancelled'));
	t.deepEqual(await server.stop(), {code: 0, signal: null});
	await assertHostClean(t, server);
});

test('SIGHUP (the terminal of npm start closed) stops the server cleanly: exit 0, nothing left', async t => {
	const server = await startServer({uidBase: 66_460});
	try {
		t.is((await execute(server, {code: example('hello.c')})).status, 200);
		server.process.kill('SIGHUP');
		const [code, signal] = await once(server.process, 'exit') as [number | null, NodeJS.Signals | null];
		t.deepEqual({code, signal}, {code: 0, signal: null});
		t.deepEqual(fs.readdirSync(server.jobRoot), [], 'no job directory, not even the sandboxes made ahead');
		t.deepEqual(fs.readdirSync(server.cacheDir), [], 'no compile cache');
		t.deepEqual(leftoverInstanceCgroups(server.pid), [], 'no cgroup');
	} finally {
		await server.stop();
	}
});

test('a stop asked for while the server\'s modules still load is noted too: exit 0, not the signal\'s default death', async t => {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'c-runner-test-'));
	fs.chmodSync(dir, 0o711);
	// Module-loading hooks that hold koa's loading (one of the server's modules: some hundreds load in a fifth of a
	// second) until the test's go, having said they hold it; the stop is sent while they do.
	const hooks = path.join(dir, 'hooks.mjs');
	fs.writeFileSync(hooks, `import fs from 'node:fs';\nexport async function load(url, context, next) {\n\tif (url.includes('/node_modules/koa/lib/application.js')) {\n\t\tfs.writeFileSync(${JSON.stringify(path.join(dir, 'holding'))}, '');\n\t\tfor (let i = 0; i < 1500 && !fs.existsSync(${JSON.stringify(path.join(dir, 'go'))}); i++) await new Promise(resolve => setTimeout(resolve, 20));\n\t}\n\treturn next(url, context);\n}\n`);
	const register = path.join(dir, 'register.mjs');
	fs.writeFileSync(register, `import {register} from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
	const jobRoot = path.join(dir, 'jobs');
	try {
		const child = spawn(process.execPath, ['--import', register, ...serverArgs()], {
			env: {PATH: process.env['PATH'] ?? '/usr/bin:/bin', PORT: '0', C_RUNNER_JOB_ROOT: jobRoot, C_RUNNER_UID_BASE: String(68_020 + uidOffset), C_RUNNER_COMPILE_CACHE_DIR: dir},
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		const messages: string[] = [];
		readline.createInterface({input: child.stdout}).on('line', line => {
			messages.push((JSON.parse(line) as {msg: string}).msg);
		});
		const exited = once(child, 'close');
		t.true(await waitFor(() => fs.existsSync(path.join(dir, 'holding')), 30_000), 'the server\'s modules are loading');
		child.kill('SIGTERM');
		// Given a moment to arrive while the loading is held.
		await new Promise(resolve => setTimeout(resolve, 200));
		fs.writeFileSync(path.join(dir, 'go'), '');
		const [code, signal] = await exited as [number | null, NodeJS.Signals | null];
		t.deepEqual({code, signal}, {code: 0, signal: null}, messages.join(' / '));
		t.true(messages.includes('stopped during start-up'), messages.join(' / '));
		t.false(messages.includes('c-runner listening'));
		t.deepEqual(leftoverInstanceCgroups(child.pid!), [], 'no cgroup');
	} finally {
		fs.rmSync(dir, {recursive: true, force: true});
	}
});

test('a stop asked for during start-up waits until start-up can undo itself: exit 0, nothing left, never listens', async t => {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'c-runner-test-'));
	fs.chmodSync(dir, 0o711);
	const jobRoot = path.join(dir, 'jobs');
	// bwrap, which says it was called (into a directory any sandbox uid may write) and then waits for the test's go
	// (30 s at most): the stop below, sent before the go, arrives while the self-test's sandbox is being made, however
	// slow the machine (a fixed 3 s wait was once not enough on a loaded CI machine).
	const bwrap = path.join(dir, 'bwrap');
	const marks = path.join(dir, 'marks');
	fs.mkdirSync(marks);
	fs.chmodSync(marks, 0o777);
	fs.writeFileSync(bwrap, `#!/bin/sh\n[ "$1" = --version ] || { touch ${marks}/called; i=0; while [ ! -e ${marks}/go ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done; }\nexec /usr/bin/bwrap "$@"\n`, {mode: 0o755});
	try {
		const child = spawn(process.execPath, serverArgs(), {
			// The self-test's compile is not what this test stops (a loaded machine took it past the default 10 s).
			env: {PATH: process.env['PATH'] ?? '/usr/bin:/bin', PORT: '0', C_RUNNER_JOB_ROOT: jobRoot, C_RUNNER_UID_BASE: String(66_480 + uidOffset), C_RUNNER_COMPILE_CACHE_DIR: dir, C_RUNNER_BWRAP: bwrap, C_RUNNER_COMPILE_WALL_MS: testLimits.C_RUNNER_COMPILE_WALL_MS},
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		const messages: string[] = [];
		readline.createInterface({input: child.stdout}).on('line', line => {
			messages.push((JSON.parse(line) as {msg: string}).msg);
		});
		let stderr = '';
		child.stderr.on('data', (chunk: Buffer) => {
			stderr += String(chunk);
		});
		// 'close', not 'exit': the server's last log lines may still be in the pipe when it has exited.
		const exited = once(child, 'close');
		t.true(await waitFor(() => fs.existsSync(path.join(marks, 'called')), 30_000), 'the self-test began');
		child.kill('SIGTERM');
		// The signal is queued for the server before the sandbox it waits on can end, so it is seen first.
		fs.writeFileSync(path.join(marks, 'go'), '');
		const [code, signal] = await exited as [number | null, NodeJS.Signals | null];
		t.deepEqual({code, signal}, {code: 0, signal: null}, `${messages.join(' / ')} / ${stderr}`);
		t.true(messages.includes('stopped during start-up'), messages.join(' / '));
		t.false(messages.includes('c-runner listening'));
		t.deepEqual(fs.readdirSync(jobRoot), [], 'no job directory');
		t.deepEqual(fs.readdirSync(dir).filter(name => !['jobs', 'bwrap', 'marks'].includes(name)), [], 'no compile cache');
		t.deepEqual(leftoverInstanceCgroups(child.pid!), [], 'no cgroup');
	} finally {
		fs.rmSync(dir, {recursive: true, force: true});
	}
});

test('a compile cache held by another instance stops start-up, and the refused instance leaves no cgroup', async t => {
	const first = await startServer({uidBase: 66_500});
	try {
		const second = await run(process.execPath, serverArgs(), {
			env: {PATH: process.env['PATH'] ?? '/usr/bin:/bin', PORT: '0', C_RUNNER_JOB_ROOT: first.jobRoot, C_RUNNER_UID_BASE: String(66_520 + uidOffset), C_RUNNER_COMPILE_CACHE_DIR: first.cacheDir},
			timeout: 30_000,
		});
		t.is(second.status, 1);
		t.regex(second.stderr, /is in use by a running instance: give each instance its own C_RUNNER_COMPILE_CACHE_DIR/);
		t.deepEqual(leftoverInstanceCgroups(second.pid), [], 'no cgroup of the refused instance');
		t.is((await execute(first, {code: example('hello.c')})).status, 200, 'the first serves on');
		await assertHostClean(t, first);
	} finally {
		await first.stop();
	}
});

test('a bad configuration stops start-up with one message naming every bad value', async t => {
	const child = spawn(process.execPath, serverArgs(), {
		env: {PATH: process.env['PATH'] ?? '/usr/bin:/bin', PORT: 'eighty', C_RUNNER_RUN_WALL_MS: '-5', C_RUNNER_TOKEN: 'short'},
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let output = '';
	child.stdout.on('data', (chunk: Buffer) => {
		output += chunk.toString();
	});
	child.stderr.on('data', (chunk: Buffer) => {
		output += chunk.toString();
	});
	// 'close', not 'exit': the exit may be told before the last of its output is read.
	const code = await new Promise(resolve => child.once('close', resolve));
	t.is(code, 1);
	t.regex(output, /PORT/);
	t.regex(output, /C_RUNNER_RUN_WALL_MS/);
	t.regex(output, /C_RUNNER_TOKEN/);
	t.notRegex(output, /\n\s+at /, 'no stack trace');
});

test('bearer token: every endpoint but /health needs it; every response has a request id', async t => {
	const token = 'a-token-of-thirty-two-characters';
	const server = await startServer({uidBase: uidBase(7), env: {C_RUNNER_TOKEN: token}});
	try {
		const body = JSON.stringify({code: example('hello.c')});
		const anonymous = await fetch(`${server.url}/execute_c`, {method: 'POST', headers: {'Content-Type': 'application/json'}, body});
		t.is(anonymous.status, 401);
		t.truthy(anonymous.headers.get('x-request-id'));
		const wrong = await fetch(`${server.url}/execute_c`, {method: 'POST', headers: {'Content-Type': 'application/json', Authorization: `Bearer ${token.replace('a', 'b')}`}, body});
		t.is(wrong.status, 401);
		t.is(leftoverJobDirs(server).length, 0, 'nothing ran');
		const allowed = await fetch(`${server.url}/execute_c`, {method: 'POST', headers: {'Content-Type': 'application/json', Authorization: `Bearer ${token}`}, body});
		t.is(allowed.status, 200);
		t.like(await allowed.json(), {output: 'Hello from C!'});
		const health = await fetch(`${server.url}/health`);
		t.is(health.status, 200);
		t.regex(health.headers.get('x-request-id') ?? '', /^[\da-f-]{36}$/);
		t.false(JSON.stringify(server.logs).includes(token), 'the token is never logged');
		await assertHostClean(t, server);
	} finally {
		await server.stop();
	}
});

test('/health runs a real compile and run, reports versions and policy, and is not queued behind jobs', async t => {
	// The one slot stays busy until the test lets it go (a 30 s wall limit), however slow the machine.
	const server = await startServer({uidBase: uidBase(8), env: {C_RUNNER_CONCURRENCY: '1', C_RUNNER_QUEUE_LENGTH: '1', C_RUNNER_HEALTH_TTL_MS: '0', C_RUNNER_RUN_WALL_MS: '30000'}});
	try {
		const holder = new AbortController();
		const running = fetch(`${server.url}/execute_c`, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({code: example('sleep-forever.c')}), signal: holder.signal});
		t.true(await waitFor(() => programRuns(server), 30_000), 'the program runs');
		const response = await fetch(`${server.url}/health`);
		t.is(response.status, 200, 'answers while every slot is busy');
		const health = await response.json() as Record<string, any>;
		t.is(health['status'], 'ok');
		t.true(health['self_test']['ok']);
		t.regex(health['versions']['gcc'], /gcc/);
		t.regex(health['versions']['bwrap'], /bubblewrap/);
		t.truthy(health['policy']);
		holder.abort();
		await t.throwsAsync(running);
		t.true(await eventuallyClean(server));
		await assertHostClean(t, server);
	} finally {
		await server.stop();
	}
});

test('logs carry request id, status, timings and sizes, never the code, stdin or output', async t => {
	const server = await startServer({uidBase: uidBase(9)});
	try {
		const secret = 'never-log-this-7f3a';
		const {headers} = await execute(server, {code: `#include <stdio.h>\nint main(void) { puts("${secret}-out"); return 0; }`, stdin: `${secret}-in`});
		const id = headers.get('x-request-id');
		t.true(await eventuallyLogged(server, entry => entry['reqId'] === id && entry['status'] === 200));
		const line = JSON.stringify(server.logs);
		t.false(line.includes(secret), 'no source, stdin or output in the logs');
	} finally {
		await server.stop();
	}
});

test('as root, a helper in a directory the sandbox uids cannot enter is installed where they can, and jobs run', async t => {
	if (process.getuid?.() !== 0) {
		t.fail('this test needs root: only a root server runs sandboxes as other uids');
		return;
	}

	// Where a checkout in /root or a `mktemp -d` keeps its build.
	const hidden = fs.mkdtempSync(path.join(os.tmpdir(), 'c-runner-test-'));
	fs.chmodSync(hidden, 0o700);
	fs.copyFileSync(path.join(projectRoot, 'sandbox', 'build', 'c-runner-sandbox'), path.join(hidden, 'helper'));
	fs.copyFileSync(path.join(projectRoot, 'sandbox', 'build', 'c-runner-launch'), path.join(hidden, 'c-runner-launch'));
	fs.chmodSync(path.join(hidden, 'helper'), 0o755);
	fs.chmodSync(path.join(hidden, 'c-runner-launch'), 0o755);
	try {
		const server = await startServer({uidBase: 62_600, env: {C_RUNNER_HELPER: path.join(hidden, 'helper')}});
		try {
			t.like(await execute(server, {code: example('hello.c')}), {status: 200, body: {status: 'ok', output: 'Hello from C!'}});
			const installed = server.logs.find(entry => entry['msg'] === 'c-runner listening')?.['helper'] as string;
			t.regex(installed, /^\/run\/c-runner\/c-runner-sandbox-[\da-f]{16}$/);
			const stat = fs.statSync(installed);
			t.is(stat.uid, 0);
			t.is(stat.mode & 0o7777, 0o755);
			t.true(fs.readFileSync(installed).equals(fs.readFileSync(path.join(hidden, 'helper'))), 'the installed helper is the built one');
			await assertHostClean(t, server);
		} finally {
			await server.stop();
		}
	} finally {
		fs.rmSync(hidden, {recursive: true, force: true});
	}
});

test('as root, a job root the sandbox uids cannot reach stops start-up with a clear message', async t => {
	if (process.getuid?.() !== 0) {
		t.fail('this test needs root: the check only applies when the server runs sandboxes as other uids');
		return;
	}

	const hidden = fs.mkdtempSync(path.join(os.tmpdir(), 'c-runner-test-'));
	fs.chmodSync(hidden, 0o700);
	try {
		const result = await run(process.execPath, serverArgs(), {
			env: {PATH: process.env['PATH'] ?? '/usr/bin:/bin', PORT: '0', C_RUNNER_JOB_ROOT: path.join(hidden, 'jobs')},
			timeout: 30_000,
		});
		t.is(result.status, 1);
		t.regex(result.stderr, new RegExp(`the job root ${hidden}/jobs is not reachable by the sandbox uids: ${hidden} has mode 700`));
		t.deepEqual(fs.readdirSync(hidden), [], 'the job root it made is gone');
	} finally {
		fs.rmSync(hidden, {recursive: true, force: true});
	}
});

test('where no sandbox policy works (user namespaces refused), start-up stops with a clear message', async t => {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'c-runner-test-'));
	fs.chmodSync(dir, 0o711);
	// Behaves like bwrap where the kernel or a seccomp profile refuses user namespaces.
	const bwrap = path.join(dir, 'bwrap');
	fs.writeFileSync(bwrap, '#!/bin/sh\n[ "$1" = --version ] && { echo "bubblewrap 0.8.0"; exit 0; }\necho "bwrap: Creating new namespace failed: Operation not permitted" >&2\nexit 1\n', {mode: 0o755});
	const jobRoot = path.join(dir, 'jobs');
	try {
		const result = await run(process.execPath, serverArgs(), {
			// A compile cache of its own: the default one may be held by a server the developer has running.
			env: {PATH: process.env['PATH'] ?? '/usr/bin:/bin', PORT: '0', C_RUNNER_BWRAP: bwrap, C_RUNNER_JOB_ROOT: jobRoot, C_RUNNER_UID_BASE: String(uidBase(9) + 5 + uidOffset), C_RUNNER_COMPILE_CACHE_DIR: dir},
			timeout: 30_000,
		});
		t.is(result.status, 1);
		t.regex(result.stderr, /^c-runner: no safe sandbox policy works here; the sandbox self-test failed:/);
		t.is(result.stderr.match(/Creating new namespace failed/g)?.length, 8, 'every policy of the ladder was tried');
		t.regex(result.stderr, /unprivileged user namespaces/);
		t.false(fs.existsSync(jobRoot), 'the failed self-tests left nothing behind, nor the job root start-up made');
	} finally {
		fs.rmSync(dir, {recursive: true, force: true});
	}
});

test('a compile memory limit too small for gcc stops start-up naming the limit, not user namespaces', async t => {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'c-runner-test-'));
	fs.chmodSync(dir, 0o711);
	const jobRoot = path.join(dir, 'jobs');
	try {
		const result = await run(process.execPath, serverArgs(), {
			env: {PATH: process.env['PATH'] ?? '/usr/bin:/bin', PORT: '0', C_RUNNER_COMPILE_MEMORY_MB: '48', C_RUNNER_JOB_ROOT: jobRoot, C_RUNNER_UID_BASE: String(66_700 + uidOffset), C_RUNNER_COMPILE_CACHE_DIR: dir},
			timeout: 30_000,
		});
		t.is(result.status, 1);
		t.regex(result.stderr, /^c-runner: the sandbox self-test, a hello world, was stopped by a limit of this configuration:/);
		t.regex(result.stderr, /c-runner: compilation stopped by the compile memory limit of 48 MiB/);
		t.is(result.stderr.match(/a limit stopped the self-test/g)?.length, 1, 'no weaker policy was tried');
		t.notRegex(result.stderr, /user namespaces/);
		t.false(fs.existsSync(jobRoot), 'the failed self-test left nothing behind, nor the job root start-up made');
	} finally {
		fs.rmSync(dir, {recursive: true, force: true});
	}
});

test('a job root that cannot be made stops start-up with one line, no stack trace: a file in its place, or under one', async t => {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'c-runner-test-'));
	const file = path.join(dir, 'a-file');
	fs.writeFileSync(file, '');
	try {
		for (const [jobRoot, code] of [[file, 'EEXIST'], [path.join(file, 'jobs'), 'ENOTDIR']] as const) {
			const result = await run(process.execPath, serverArgs(), {
				env: {PATH: process.env['PATH'] ?? '/usr/bin:/bin', PORT: '0', C_RUNNER_JOB_ROOT: jobRoot, C_RUNNER_COMPILE_CACHE_DIR: dir},
				timeout: 30_000,
			});
			t.is(result.status, 1, result.stderr);
			t.regex(result.stderr, new RegExp(`^c-runner: cannot make the job root ${jobRoot} \\(C_RUNNER_JOB_ROOT\\): ${code}: `));
			t.is(result.stderr.trim().split('\n').length, 2, 'the line and its advice, no stack trace');
		}

		t.deepEqual(fs.readdirSync(dir), ['a-file'], 'nothing made beside it');
	} finally {
		fs.rmSync(dir, {recursive: true, force: true});
	}
});

test('a port already taken, or a HOST that does not resolve, stops start-up with one line, leaving nothing behind', async t => {
	const taken = net.createServer();
	await new Promise<void>(resolve => taken.listen(0, '127.0.0.1', resolve));
	const {port} = taken.address() as net.AddressInfo;
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'c-runner-test-'));
	fs.chmodSync(dir, 0o711);
	const jobRoot = path.join(dir, 'jobs');
	const base = 66_400 + uidOffset;
	try {
		for (const [host, code] of [['127.0.0.1', 'EADDRINUSE'], ['no-such-host.invalid', 'ENOTFOUND']] as const) {
			const result = await run(process.execPath, serverArgs(), {
				env: {PATH: process.env['PATH'] ?? '/usr/bin:/bin', PORT: String(port), HOST: host, C_RUNNER_JOB_ROOT: jobRoot, C_RUNNER_UID_BASE: String(base), C_RUNNER_COMPILE_CACHE_DIR: dir},
				timeout: 30_000,
			});
			t.is(result.status, 1, result.stderr);
			t.regex(result.stderr, new RegExp(`^c-runner: cannot listen on ${host}:${port} \\(HOST, PORT\\): ${code}: `));
			t.is(result.stderr.trim().split('\n').length, 1, 'one line, no stack trace');
			// It got as far as making a sandbox ahead for each slot before it tried to listen.
			t.false(fs.existsSync(jobRoot), 'no job directory left, nor the job root it made');
			const uids = new Set(Array.from({length: 5}, (_unused, index) => base + index));
			t.deepEqual(hostProcesses().filter(proc => uids.has(proc.uid)), [], 'no process of its sandbox uids left');
			t.deepEqual(leftoverInstanceCgroups(result.pid), [], 'no cgroup left');
		}
	} finally {
		taken.close();
		fs.rmSync(dir, {recursive: true, force: true});
	}
});

test('the allow-list by default follows the address listened on: HOST=127.1 is loopback, and a foreign Host is refused there', async t => {
	const server = await startServer({uidBase: 66_880, env: {HOST: '127.1', C_RUNNER_CONCURRENCY: '1'}});
	try {
		const ask = async (host: string) => (await rawRequest(server.url, `GET /health HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`)).status;
		t.is(await ask('rebind.example.com'), 403);
		t.is(await ask('localhost'), 200);
		t.is(await ask('127.0.0.1'), 200);
	} finally {
		await server.stop();
	}
});

test('requests Node\'s HTTP parser cannot read get an {error} answer too', async t => {
	const server = await startServer({uidBase: 66_420});
	try {
		for (const [bytes, status, error] of [
			[`GET /health HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'Request line and headers are larger than 16 KiB'],
			['POST /execute_c HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n', 400, 'Malformed HTTP request (HPE_INVALID_CHUNK_SIZE)'],
			['POST /execute_c HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}', 400, /^Malformed HTTP request \(HPE_/],
			['GARBAGE\r\n\r\n', 400, /^Malformed HTTP request \(HPE_/],
			// Requests Node answers itself unless told otherwise.
			['POST /execute_c HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}', 400, 'Missing Host header: HTTP/1.1 requires one'],
			['POST /execute_c HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nExpect: 200-ok\r\nContent-Length: 2\r\n\r\n{}', 417, 'Expect: 200-ok is not supported (only 100-continue)'],
			['CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n', 501, 'Method not implemented: CONNECT 127.0.0.1:22'],
		] as const) {
			const answer = await rawRequest(server.url, bytes);
			t.is(answer.status, status, bytes.slice(0, 40));
			t.regex(answer.contentType ?? '', /^application\/json/);
			t.regex(answer.requestId ?? '', /^[\da-f-]{36}$/, 'an X-Request-Id, as on every answer');
			const body = JSON.parse(answer.body) as {error: string};
			if (typeof error === 'string') {
				t.is(body.error, error);
			} else {
				t.regex(body.error, error);
			}
		}

		t.is((await fetch(`${server.url}/health`)).status, 200, 'the server serves on');
		await assertHostClean(t, server);
	} finally {
		await server.stop();
	}
});

test('bodies shaped to stall JSON.parse are refused before it sees them, plain or gzip; a charset not UTF-8 is a 415', async t => {
	const server = await startServer({uidBase: 66_430});
	try {
		const code = 'int main(void) { return 0; }';
		// About 2 MB each, under the default body limit: each took JSON.parse 0.3-1.4 s, the server's event loop with it.
		const deep = `{"code":${JSON.stringify(code)},"a":${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}}`;
		const names = `{"code":${JSON.stringify(code)},"a":[${Array.from({length: 150_000}, (_unused, index) => `{"k${index}":0}`).join(',')}]}`;
		for (const [body, error, encoding] of [
			[deep, 'Request body is nested more than 32 levels deep', 'identity'],
			[deep, 'Request body is nested more than 32 levels deep', 'gzip'],
			[names, 'Request body has more than 1000 distinct field names', 'identity'],
		] as const) {
			const response = await fetch(`${server.url}/execute_c`, {
				method: 'POST',
				headers: {'Content-Type': 'application/json', 'Content-Encoding': encoding},
				body: encoding === 'gzip' ? zlib.gzipSync(body) : body,
			});
			t.is(response.status, 400);
			t.deepEqual(await response.json(), {error});
		}

		const latin1 = await fetch(`${server.url}/execute_c`, {method: 'POST', headers: {'Content-Type': 'application/json; charset=latin1'}, body: Buffer.from(JSON.stringify({code: `${code} /* caf\u00e9 */`}), 'latin1')});
		t.is(latin1.status, 415);
		t.deepEqual(await latin1.json(), {error: 'Request body must be UTF-8 JSON (Content-Type says charset=latin1)'});
		t.is((await execute(server, {code})).status, 200, 'the server serves on');
		await assertHostClean(t, server);
	} finally {
		await server.stop();
	}
});

/** Opens a connection and writes `bytes`: the socket, and once the server closes it, what it answered and when. */
function connection(url: string, bytes: string): {readonly socket: net.Socket; readonly closed: Promise<{answer: string; closedAfterMs: number; failed: string}>} {
	const {hostname, port} = new URL(url);
	const started = performance.now();
	const socket = net.connect(Number(port), hostname, () => socket.write(bytes));
	let answer = '';
	socket.on('data', chunk => {
		answer += String(chunk);
	});
	// A loaded machine may take past the deadline to take in a long body: the server then answers and closes while it
	// is still being written (EPIPE here). The answer is what is tested, with the error beside it.
	let failed = '';
	socket.on('error', error => {
		failed = ` (the socket failed: ${error.message})`;
	});
	// Not events.once: it rejects at the socket's error, before its close.
	const closed = new Promise<{answer: string; closedAfterMs: number; failed: string}>(resolve => {
		socket.once('close', () => resolve({answer, closedAfterMs: performance.now() - started, failed}));
	});
	return {socket, closed};
}

/** Opens a connection, writes `bytes` and nothing more: what the server answers, and when it closes the connection. */
const stalledRequest = async (url: string, bytes: string) => connection(url, bytes).closed;

test('a request never finished (a body held back, or nothing sent at all) is a 408 at C_RUNNER_RECEIVE_TIMEOUT_MS, not after Node\'s 300 s', async t => {
	// 5 s: the 200 kB body is all sent well before it, even while the whole suite starts its servers at once (a 1 MB
	// one at 3 s was not, twice, on a loaded 2-core machine: the server answered and closed while it was still being
	// written, and the answer was lost with the connection).
	const server = await startServer({uidBase: 66_450, env: {C_RUNNER_RECEIVE_TIMEOUT_MS: '5000'}});
	try {
		const body = `{"code":"int main(void) { return 0; }","stdin":"${'x'.repeat(200_000)}`;
		const stalls = await Promise.all([
			stalledRequest(server.url, `POST /execute_c HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${body.length + 10}\r\n\r\n${body}`),
			stalledRequest(server.url, 'POST /execute_c HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n{"code":"int ma'),
			stalledRequest(server.url, ''),
		]);
		for (const {answer, closedAfterMs, failed} of stalls) {
			t.regex(answer, /^HTTP\/1\.1 408 /, failed);
			t.true(answer.endsWith('{"error":"Request was not received in time"}'), answer + failed);
			// Cut at its deadline (Node looks once a second), far from the 300 s of Node's default; a loaded machine's
			// margin on top.
			t.true(closedAfterMs >= 4900 && closedAfterMs < 60_000, `closed after ${closedAfterMs} ms`);
		}

		t.is((await execute(server, {code: 'int main(void) { return 0; }'})).status, 200, 'the server serves on');
		await assertHostClean(t, server);
	} finally {
		await server.stop();
	}
});

test('an idle keep-alive connection is kept 65 s, past a proxy\'s idle timeout: a request 6 s after the last is answered on it', async t => {
	const server = await startServer({uidBase: 66_790});
	const {hostname, port} = new URL(server.url);
	const socket = net.connect(Number(port), hostname);
	try {
		let answers = '';
		socket.on('data', chunk => {
			answers += String(chunk);
		});
		const ask = () => socket.write(`GET /openapi.json HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`);
		ask();
		t.true(await waitFor(() => answers.includes('"openapi"'), 20_000), 'answered');
		t.regex(answers, /\r\nKeep-Alive: timeout=65\r\n/i);
		// Past Node's own 5 s, which closed the connection under a client about to reuse it.
		await new Promise(resolve => setTimeout(resolve, 6000));
		t.false(socket.destroyed || socket.readableEnded, 'still open');
		answers = '';
		ask();
		t.true(await waitFor(() => answers.includes('"openapi"'), 20_000), 'answered again on the same connection');
	} finally {
		socket.destroy();
		await server.stop();
	}
});

test('a connection refused with a 408 is closed by the server, even when its client never closes its side', async t => {
	const server = await startServer({uidBase: 66_540, env: {C_RUNNER_RECEIVE_TIMEOUT_MS: '1000', C_RUNNER_MAX_CONNECTIONS: '1'}});
	const {hostname, port} = new URL(server.url);
	// allowHalfOpen: this client keeps its side open after the server's end, as a client that ignores it does.
	const idle = net.connect({port: Number(port), host: hostname, allowHalfOpen: true});
	try {
		let answer = '';
		idle.on('data', chunk => {
			answer += String(chunk);
		});
		t.true(await waitFor(async () => answer.startsWith('HTTP/1.1 408 '), 30_000), 'the 408 came');
		// It held the only place under the cap: the server answers again only once it has let the connection go.
		t.true(await waitFor(async () => (await fetch(`${server.url}/health`).catch(() => null))?.status === 200, 20_000), 'served again while the client still holds its side');
		t.false(idle.destroyed, 'the client never closed');
		await assertHostClean(t, server);
	} finally {
		idle.destroy();
		await server.stop();
	}
});

test('requests pipelined past 16 unanswered on one connection are refused with a 429, and the connection closed', async t => {
	const server = await startServer({uidBase: 66_480});
	try {
		// Each one of these answers is 47 KB: 2000 of them never read held 110 MiB of the server's memory.
		const {hostname, port} = new URL(server.url);
		const socket = net.connect(Number(port), hostname, () => socket.write('GET /openapi.json HTTP/1.1\r\nHost: localhost\r\n\r\n'.repeat(40)));
		let answers = '';
		socket.on('data', chunk => {
			answers += String(chunk);
		});
		await once(socket, 'close');
		// Each answer's status line follows the last one's JSON body.
		const statuses = [...answers.matchAll(/(?:^|\})HTTP\/1\.1 (\d{3}) /g)].map(match => match[1]);
		t.deepEqual(statuses, [...Array.from({length: 16}, () => '200'), '429']);
		t.true(answers.endsWith('{"error":"More than 16 requests pipelined on one connection without reading their answers; the connection is closed"}'), answers.slice(-200));
		t.is((await fetch(`${server.url}/openapi.json`)).status, 200, 'the server serves on');
		await assertHostClean(t, server);
	} finally {
		await server.stop();
	}
});

test('connections past C_RUNNER_MAX_CONNECTIONS are closed at once, and the server answers again when the open ones go', async t => {
	const server = await startServer({uidBase: 66_520, env: {C_RUNNER_MAX_CONNECTIONS: '3'}});
	const {hostname, port} = new URL(server.url);
	const idle: net.Socket[] = [];
	try {
		t.true(await eventuallyLogged(server, entry => entry['msg'] === 'c-runner listening' && entry['maxConnections'] === 3), 'the cap is logged at start');
		// Three connections that send nothing hold every place (the receive timeout is 30 s).
		for (let index = 0; index < 3; index++) {
			const socket = net.connect(Number(port), hostname);
			await once(socket, 'connect');
			idle.push(socket);
		}

		// The server has counted the third by the time a request on a fourth arrives: the fourth is closed unanswered.
		const fourth = net.connect(Number(port), hostname, () => fourth.write('GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n'));
		let answer = '';
		fourth.on('data', chunk => {
			answer += String(chunk);
		});
		// Closed by the server: a reset, or an end, as the request was still being written or not.
		// (events.once would reject on the reset.)
		await new Promise(resolve => {
			fourth.on('error', () => undefined).on('close', resolve);
		});
		t.is(answer, '', 'closed without an answer');
		t.true(await eventuallyLogged(server, entry => entry['msg'] === 'connections past C_RUNNER_MAX_CONNECTIONS were closed at once' && Number(entry['dropped']) >= 1));
		for (const socket of idle.splice(0)) {
			socket.destroy();
		}

		t.true(await waitFor(async () => (await fetch(`${server.url}/health`).catch(() => null))?.status === 200, 15_000), 'served again');
		await assertHostClean(t, server);
	} finally {
		for (const socket of idle) {
			socket.destroy();
		}

		await server.stop();
	}
});

/**
 * A server whose job root is a small tmpfs of its own (`mountOptions`), mounted in a private mount namespace: it
 * exists for the server only and goes with it. Null, the test failed, where it cannot be mounted (without root).
 */
async function serverOnOwnTmpfs(t: ExecutionContext, uidBase: number, mountOptions: string, env: Record<string, string> = {}): Promise<{server: RunningServer; jobRoot: string} | null> {
	if (process.getuid?.() !== 0) {
		t.fail('this test needs root: it mounts a small tmpfs in a private mount namespace');
		return null;
	}

	const jobRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'c-runner-test-'));
	fs.chmodSync(jobRoot, 0o711);
	const server = await startServer({uidBase, jobRoot, env, wrap: ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', `mount -t tmpfs -o ${mountOptions},mode=0711 tmpfs "$C_RUNNER_JOB_ROOT" && exec "$@"`, 'sh']});
	return {server, jobRoot};
}

test('a job root out of space is the host\'s failure: a 503 to try again later, never a compile error, never cached; logged once per request, by its id, without the source', async t => {
	// A job root of 3 MiB.
	const own = await serverOnOwnTmpfs(t, 66_560, 'size=3m');
	if (own === null) {
		return;
	}

	const {server, jobRoot} = own;
	try {
		// A program of 4 MiB: gcc's files in the sandbox's own /tmp fit, the program in the job directory does not.
		// Its warnings, which gcc prints with a quote of the source before the linker's failure, stay out of the log.
		const big = {code: '#warning SOURCE_QUOTED\n'.repeat(40) + 'char big[4 << 20] = {1};\nint main(int argc, char **argv) { (void)argv; return big[argc * 4096]; }\n'};
		for (const attempt of ['first', 'again']) {
			const response = await fetch(`${server.url}/execute_c`, {method: 'POST', headers: {'Content-Type': 'application/json', 'X-Request-Id': `execute-${attempt}`}, body: JSON.stringify(big)});
			t.is(response.status, 503, attempt);
			t.is(response.headers.get('retry-after'), '5');
			t.deepEqual(await response.json(), {error: 'Server cannot store the job\'s files now: its job root is full (ENOSPC); try again later'}, attempt);
		}

		const full = 'Server cannot store the job\'s files now: its job root is full (ENOSPC); try again later';
		// The same through Piston's route and an interactive session, each in its own words.
		const piston = await fetch(`${server.url}/api/v2/execute`, {method: 'POST', headers: {'X-Request-Id': 'piston'}, body: JSON.stringify({language: 'c', version: '*', files: [{content: big.code}]})});
		t.deepEqual({status: piston.status, body: await piston.json()}, {status: 503, body: {message: full}});
		const session = connect(server, {requestId: 'interactive'});
		await session.opened;
		session.send({type: 'start', code: big.code});
		t.deepEqual((await session.waitForType('error')), {type: 'error', error: full});
		t.deepEqual(await session.closed, {code: 1013, reason: 'job root cannot take the run'});
		// Judge0's submission fails after its answer: its line names the request that sent it, and its token.
		const submitted = await fetch(`${server.url}/submissions`, {method: 'POST', headers: {'Content-Type': 'application/json', 'X-Request-Id': 'judge0'}, body: JSON.stringify({source_code: big.code, language_id: 50})});
		const {token} = await submitted.json() as {token: string};
		// Each logged once, by its request's id, the line perhaps still in the pipe when the answer is in.
		const faults = () => server.logs.filter(entry => entry['msg'] === 'the job root cannot take a job');
		t.true(await waitFor(() => faults().length === 5, 10_000), `${faults().length} logged`);
		t.deepEqual(faults().map(entry => entry['reqId']), ['execute-first', 'execute-again', 'piston', 'interactive', 'judge0']);
		t.is(faults()[4]?.['token'], token);
		for (const entry of faults()) {
			t.is(entry['fsCode'], 'ENOSPC');
			t.regex(String(entry['detail']), /^\/usr\/bin\/ld(?:\.gold)?: .*No space left on device/);
			t.false(JSON.stringify(entry).includes('SOURCE_QUOTED'), JSON.stringify(entry));
		}

		// Objects of 80 MiB in the compile sandbox's own /tmp (64 MiB), in sections the linker drops: the program's own
		// failure, a compile error, however little room the job root has left for the (small) program.
		const padded = (name: string) => `__attribute__((section(".gnu.lto_${name}"), used)) char ${name}[40 << 20] = {1};\n`;
		const ownTmp = await execute(server, {files: [{name: 'pad.c', content: padded('pad')}, {name: 'main.c', content: `${padded('main_pad')}int main(void) { return 0; }\n`}]});
		t.is(ownTmp.status, 200, JSON.stringify(ownTmp.body));
		t.is(ownTmp.body['status'], 'compile_error');
		t.regex(String(ownTmp.body['error']), /\/tmp\/cc\w+\.o: 'No space left on device'/);
		t.like((await execute(server, {code: example('hello.c')})).body, {status: 'ok', output: 'Hello from C!'}, 'a small program still runs');
		t.is(faults().length, 5, 'the compile error is not the job root\'s');
		// Seen from the server's own mount namespace: the job root holds the sandboxes made ahead (two a slot), no more,
		// once the last job's clean-ups, which follow its answer, are done.
		// (Its instance lock file beside them is no job's.)
		const held = () => fs.readdirSync(`/proc/${server.pid}/root${jobRoot}`).filter(name => name.startsWith('c_exec_'));
		t.true(await waitFor(() => held().length <= 8, 10_000), held().join(' '));
	} finally {
		await server.stop();
		fs.rmSync(jobRoot, {recursive: true, force: true});
	}
});

// Serial: among this file's concurrent tests, their synchronous /proc scans held this worker's event loop so long
// that the request was not even answered within 40 s on a loaded CI machine.
test.serial('a sandbox that ends without its report is one error line, by the request\'s id, with the sandbox\'s own words and never the program\'s stderr', async t => {
	// A compile that a loaded machine may stretch past its 10 s: the program must run for the test to mean anything.
	const server = await startServer({uidBase: 66_800, env: {C_RUNNER_COMPILE_WALL_MS: '60000'}});
	try {
		// It writes to stderr, then spins until something stops it.
		const code = '#include <stdio.h>\nint main(void) { fputs("PROGRAM_STDERR\\n", stderr); fflush(stderr); for (;;) {} }\n';
		const answer = fetch(`${server.url}/execute_c`, {method: 'POST', headers: {'Content-Type': 'application/json', 'X-Request-Id': 'helper-killed'}, body: JSON.stringify({code, time_limit_ms: 10_000})});
		// Spinning, so past its write: CPU time counted (/proc/PID/stat, utime, in clock ticks).
		const spinning = () => hostProcesses().find(entry => entry.command.startsWith(`${server.jobRoot}/c_exec_`) && Number(fs.readFileSync(`/proc/${entry.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[11]) > 0);
		t.true(await waitFor(() => spinning() !== undefined, 20_000), 'the program runs');
		// Its helper killed from outside, as the kernel's OOM killer or a hand might: the sandbox gives no report.
		const helper = Number(fs.readFileSync(`/proc/${spinning()!.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
		process.kill(helper, 'SIGKILL');
		const response = await answer;
		t.is(response.status, 500);
		const faults = () => server.logs.filter(entry => entry['level'] === 50);
		t.true(await waitFor(() => faults().length > 0, 10_000), 'logged');
		t.is(faults().length, 1);
		t.like(faults()[0], {reqId: 'helper-killed', msg: 'internal error', err: {message: 'run sandbox produced no report'}, detail: '(15 more bytes of stderr, the job\'s own, not shown)'});
		t.false(JSON.stringify(faults()).includes('PROGRAM_STDERR'));
		t.true(await eventuallyClean(server));
	} finally {
		await server.stop();
	}
});

// Serial: among this file's concurrent tests, their synchronous /proc scans held this worker's event loop so long
// that the request was not even answered within 40 s on a loaded CI machine.
test.serial('a sandbox its helper does not end at its wall limit is stopped from outside, and that is logged by the request\'s id', async t => {
	const server = await startServer({uidBase: 66_840, env: {C_RUNNER_COMPILE_WALL_MS: '60000'}});
	try {
		const answer = fetch(`${server.url}/execute_c`, {method: 'POST', headers: {'Content-Type': 'application/json', 'X-Request-Id': 'helper-stopped'}, body: JSON.stringify({code: example('sleep-forever.c'), time_limit_ms: 1000})});
		// Asleep, the program is there for its whole wall limit (3 s), long enough to be found on a busy machine.
		const running = () => hostProcesses().find(entry => entry.command.startsWith(`${server.jobRoot}/c_exec_`));
		let answered: unknown;
		void answer.then(async response => {
			answered = await response.clone().json();
		});
		const seen = await waitFor(() => running() !== undefined || answered !== undefined, 40_000) && running() !== undefined;
		t.true(seen, `the program runs (answered: ${JSON.stringify(answered)}; the server's last lines: ${JSON.stringify(server.logs.slice(-6).map(entry => [entry['msg'], entry['reqId'], entry['stages'] ?? entry['err']]))})`);
		// Its helper stopped (SIGSTOP), as a hung or starved one would be: only the server's backstop ends the sandbox.
		const helper = Number(fs.readFileSync(`/proc/${running()!.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
		process.kill(helper, 'SIGSTOP');
		t.is((await answer).status, 200);
		const warned = () => server.logs.filter(entry => String(entry['msg']).startsWith('a sandbox outlived its wall limit'));
		t.true(await waitFor(() => warned().length > 0, 10_000), 'logged');
		t.is(warned().length, 1);
		t.like(warned()[0], {level: 40, reqId: 'helper-stopped', step: 'run', wallMs: 3000});
		t.true(await eventuallyClean(server));
	} finally {
		await server.stop();
	}
});

test('a self-test that fails at run time is logged with its problem, a result that is not the expected one as much as a throw', async t => {
	const server = await startServer({uidBase: 66_820, env: {C_RUNNER_HEALTH_TTL_MS: '0'}});
	try {
		// The self-test runs as the uid after the slots'.
		const healthUid = server.uids.at(-1)!;
		// Its compiler killed from outside (as an OOM killer might): gcc says so, a compile error, nothing thrown.
		const killCompiler = () => {
			for (const entry of fs.readdirSync('/proc')) {
				try {
					if (fs.statSync(`/proc/${entry}`).uid === healthUid && fs.readFileSync(`/proc/${entry}/comm`, 'utf8') === 'cc1\n') {
						process.kill(Number(entry), 'SIGKILL');
						return true;
					}
				} catch {}
			}

			return false;
		};

		let failing: Record<string, any> | undefined;
		// The compiler lives for tens of milliseconds: a check may end before it is seen, then the next one is tried.
		for (let attempt = 0; attempt < 20 && failing === undefined; attempt++) {
			let answered = false;
			const checked = fetch(`${server.url}/health`, {headers: {'X-Request-Id': `health-${attempt}`}}).then(async response => {
				answered = true;
				return {status: response.status, body: await response.json() as Record<string, any>};
			});
			while (!answered && !killCompiler()) {
				await new Promise(resolve => setImmediate(resolve));
			}

			const {status, body} = await checked;
			if (status === 503) {
				failing = body;
			}
		}

		t.truthy(failing, 'a self-test failed');
		t.regex(String(failing?.['self_test']?.['problem']), /^self-test gave status compile_error/);
		t.true(await waitFor(() => server.logs.some(entry => entry['msg'] === 'sandbox self-test failed'), 10_000), 'logged');
		const logged = server.logs.filter(entry => entry['msg'] === 'sandbox self-test failed');
		t.is(logged.length, 1);
		t.like(logged[0], {level: 50, problem: failing?.['self_test']?.['problem']});
		t.true(await eventuallyClean(server));
	} finally {
		await server.stop();
	}
});

test('a job root out of inodes is the host\'s failure too: a 503, not a compile error that is then cached', async t => {
	// Room for far more than the compile's file-size limit (64 MiB): inodes, not blocks, run out.
	const own = await serverOnOwnTmpfs(t, 66_590, 'size=512m,nr_inodes=200', {C_RUNNER_CONCURRENCY: '1'});
	if (own === null) {
		return;
	}

	const {server, jobRoot} = own;
	const inside = `/proc/${server.pid}/root${jobRoot}`;
	const filler = path.join(inside, 'filler');
	try {
		await settledAhead(server, 2);
		// Every free inode but one taken from outside: the job's source takes it (its directory was made ahead); the
		// linker's program has none left.
		fs.mkdirSync(filler);
		for (let index = 0; ; index++) {
			try {
				fs.writeFileSync(path.join(filler, String(index)), '');
			} catch {
				break;
			}
		}

		fs.rmSync(path.join(filler, '0'));
		const starved = await execute(server, {code: example('hello.c')});
		t.is(starved.status, 503, JSON.stringify(starved.body));
		t.regex(String(starved.body['error']), /its job root is full \(ENOSPC\); try again later$/);
		fs.rmSync(filler, {recursive: true, force: true});
		t.like((await execute(server, {code: example('hello.c')})).body, {status: 'ok', output: 'Hello from C!', compile_cached: false}, 'nothing was cached');
	} finally {
		fs.rmSync(filler, {recursive: true, force: true});
		await server.stop();
		fs.rmSync(jobRoot, {recursive: true, force: true});
	}
});

test('sandboxes made ahead come back after the job root was full for a while', async t => {
	const own = await serverOnOwnTmpfs(t, 66_610, 'size=16m', {C_RUNNER_CONCURRENCY: '1'});
	if (own === null) {
		return;
	}

	const {server, jobRoot} = own;
	const filler = path.join(`/proc/${server.pid}/root${jobRoot}`, 'filler');
	// Keeps the job root full from outside: whatever a job frees is taken again within milliseconds.
	const filling = spawn('sh', ['-c', 'while :; do cat /dev/zero >> "$0" 2>/dev/null; sleep 0.002; done', filler], {stdio: 'ignore'});
	const stopFilling = async () => {
		if (filling.exitCode === null && filling.signalCode === null) {
			filling.kill();
			await once(filling, 'exit');
		}
	};

	try {
		t.is((await settledAhead(server, 1)).length, 4);
		t.true(await waitFor(() => fs.existsSync(filler) && fs.statfsSync(path.dirname(filler)).bavail === 0, 5000));
		// The job takes the compile sandbox made ahead and cannot write its source there; its replacement cannot be made.
		t.is((await execute(server, {code: example('hello.c')})).status, 503);
		t.true(await eventuallyLogged(server, entry => entry['msg'] === 'could not start a launcher ahead of its job'));
		await stopFilling();
		fs.rmSync(filler);
		t.true(await waitFor(async () => (await settledAhead(server, 1)).length === 4, 15_000), 'a compile sandbox and a run sandbox wait again');
		t.like((await execute(server, {code: example('hello.c')})).body, {status: 'ok', output: 'Hello from C!'});
	} finally {
		await stopFilling();
		fs.rmSync(filler, {force: true});
		await server.stop();
		fs.rmSync(jobRoot, {recursive: true, force: true});
	}
});

test('the start-up sweep frees a job root that a dead instance\'s leftovers filled to the last inode', async t => {
	if (process.getuid?.() !== 0) {
		t.fail('this test needs root: it mounts a small tmpfs in a private mount namespace');
		return;
	}

	const jobRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'c-runner-test-'));
	fs.chmodSync(jobRoot, 0o711);
	// Job directories of an instance that is gone (no process has that pid), made until no inode is left: the sweep's
	// own directory cannot be made.
	const plant = 'while d="$C_RUNNER_JOB_ROOT/c_exec_$(cat /proc/sys/kernel/random/uuid)" && mkdir -m 0700 "$d" 2>/dev/null'
		+ ' && printf \'{"pid":999999999,"start":"1"}\' > "$d/.owner" 2>/dev/null; do :; done';
	let server: RunningServer | undefined;
	try {
		server = await startServer({uidBase: 66_630, jobRoot, env: {C_RUNNER_CONCURRENCY: '1'}, wrap: ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', `mount -t tmpfs -o size=16m,nr_inodes=64,mode=0711 tmpfs "$C_RUNNER_JOB_ROOT" && ${plant} && exec "$@"`, 'sh']});
		const swept = server.logs.find(entry => entry['msg'] === 'start-up sweep done');
		t.true(Number(swept?.['removed']) >= 20, JSON.stringify(swept));
		t.false(server.logs.some(entry => entry['msg'] === 'could not sweep a job directory; left alone'));
		t.like((await execute(server, {code: example('hello.c')})).body, {status: 'ok', output: 'Hello from C!'});
		t.deepEqual(fs.readdirSync(`/proc/${server.pid}/root${jobRoot}`).filter(name => !name.startsWith('c_exec_') && !name.startsWith('.c-runner-instance-')), [], 'no sweep directory left');
		t.true(server.logs.every(entry => entry['msg'] !== 'no instance lock file could be made in the job root: its job directories are marked with the pid alone'), 'the sweep freed room for the instance\'s lock too');
	} finally {
		await server?.stop();
		fs.rmSync(jobRoot, {recursive: true, force: true});
	}
});

test('a job root read-only for a while leaves no job cgroup or directory behind, during the server\'s life or after it', async t => {
	const own = await serverOnOwnTmpfs(t, 66_650, 'size=16m', {C_RUNNER_CONCURRENCY: '1'});
	if (own === null) {
		return;
	}

	const {server, jobRoot} = own;
	const remount = (mode: 'ro' | 'rw') => spawnSync('nsenter', ['--mount', '--target', String(server.pid), 'mount', '-o', `remount,${mode}`, jobRoot], {encoding: 'utf8'});
	let stopped = false;
	try {
		t.is((await settledAhead(server, 1)).length, 4);
		t.is(remount('ro').status, 0);
		// The job takes the compile sandbox made ahead, cannot write its source there, and its directory cannot go.
		t.like(await execute(server, {code: example('hello.c')}), {status: 503, body: {error: 'Server cannot store the job\'s files now: its job root is read-only (EROFS); try again later'}});
		t.is(remount('rw').status, 0);
		t.like((await execute(server, {code: example('hello.c')})).body, {status: 'ok', output: 'Hello from C!'});
		t.true(await waitFor(async () => (await settledAhead(server, 1)).length === 4, 15_000));
		t.deepEqual(leftoverJobCgroups(server), [], 'only the cgroups of the sandboxes made ahead');
		// The directory that could not go while the file system was read-only went with the next job's.
		t.is(fs.readdirSync(`/proc/${server.pid}/root${jobRoot}`).filter(name => !name.startsWith('.c-runner-instance-')).length, 2, 'only the directories of the sandboxes made ahead (and the instance\'s lock file)');
		const {pid} = server;
		stopped = true;
		t.deepEqual(await server.stop(), {code: 0, signal: null});
		t.deepEqual(leftoverInstanceCgroups(pid), [], 'the instance\'s cgroups removed at shutdown');
	} finally {
		if (!stopped) {
			remount('rw');
			await server.stop();
		}

		fs.rmSync(jobRoot, {recursive: true, force: true});
	}
});

test('a job root that turns read-only during a job: its compile refused (a 503, nothing cached), its run\'s answer kept, its directories removed later', async t => {
	const own = await serverOnOwnTmpfs(t, 66_700, 'size=16m', {C_RUNNER_CONCURRENCY: '1', C_RUNNER_RUN_WALL_MS: '20000'});
	if (own === null) {
		return;
	}

	const {server, jobRoot} = own;
	const remount = (mode: 'ro' | 'rw') => spawnSync('nsenter', ['--mount', '--target', String(server.pid), 'mount', '-o', `remount,${mode}`, jobRoot], {encoding: 'utf8'});
	const slow = '#include <unistd.h>\nint main(void) { sleep(3); return 0; }\n';
	// A program of a job directory running (`marker` in its command line), or the compiler's cc1.
	const running = (marker: string) => leftoverProcesses(server).some(proc => marker === 'cc1' ? proc.command.includes('/cc1 ') : proc.command.startsWith(`${jobRoot}/c_exec_`) && proc.command.includes(marker));
	// The answer of a job, the job root made read-only while `marker` runs (and writable again after).
	const readOnlyWhile = async <T>(marker: string, answer: Promise<T>): Promise<T> => {
		try {
			// Long enough for a CI run's loaded machine (dozens of test servers at once); a job that already ended says how.
			if (!await waitFor(() => running(marker), 45_000)) {
				const settled = await Promise.race([answer.then(value => JSON.stringify(value, (_key, field: unknown) => field instanceof Headers ? undefined : field)), new Promise(resolve => setTimeout(() => resolve('still waiting'), 100))]);
				t.fail(`${marker} never seen running; the answer: ${String(settled)}`);
				return await answer;
			}

			t.is(remount('ro').status, 0);
			t.true(running(marker), 'read-only before the program ended');
			return await answer;
		} finally {
			remount('rw');
		}
	};

	try {
		// Read-only while gcc compiles: the linker cannot write the program. The host's failure, never a compile error
		// kept in the cache for a program that compiles.
		const refused = await readOnlyWhile('cc1', execute(server, {code: slowSource()}));
		t.like(refused, {status: 503, body: {error: 'Server cannot store the job\'s files now: its job root is read-only (EROFS); try again later'}});
		t.is(refused.headers.get('retry-after'), '5');
		t.like((await execute(server, {code: slowSource()})).body, {status: 'ok', output: '0\n', compile_cached: false});
		t.like((await readOnlyWhile('source', execute(server, {code: slow}))).body, {status: 'ok', exit_code: 0});
		const session = connect(server);
		await session.opened;
		session.send({type: 'start', code: slow});
		t.like(await readOnlyWhile('source', session.waitForType('exit')), {type: 'exit', status: 'ok', exit_code: 0});
		t.is((await session.closed).code, 1000);
		// A judge whose checker runs then: the test case's directories, the program's and the checker's could not go.
		const judged = await readOnlyWhile('/expected', fetch(`${server.url}/judge_c`, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({
			code: example('hello.c'), checker: slow, testcases: [{input: '', expected_output: 'anything'}],
		})}));
		t.like({status: judged.status, body: await judged.json() as Record<string, unknown>}, {status: 200, body: {verdict: 'AC'}});
		t.true(server.logs.some(entry => entry['msg'] === 'could not clean up after a job; a later removal tries again'), 'logged');
		// What could not go while the file system was read-only goes with the next job's directory.
		t.like((await execute(server, {code: example('hello.c')})).body, {status: 'ok', output: 'Hello from C!'});
		t.true(await waitFor(async () => (await settledAhead(server, 1)).length === 4, 15_000));
		t.is(fs.readdirSync(`/proc/${server.pid}/root${jobRoot}`).filter(name => !name.startsWith('.c-runner-instance-')).length, 2, 'only the directories of the sandboxes made ahead (and the instance\'s lock file)');
		t.deepEqual(leftoverJobCgroups(server), []);
	} finally {
		await server.stop();
		fs.rmSync(jobRoot, {recursive: true, force: true});
	}
});

/**
 * The server's start-up, run to its end in a private mount namespace that `script` (sh, the server's command as "$0"
 * "$@") prepares first: what it printed, and how it ended.
 */
async function startUpInOwnMounts(script: string, env: Record<string, string>, timeoutMs: number) {
	return run('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script, process.execPath, ...serverArgs()], {
		env: {PATH: process.env['PATH'] ?? '/usr/bin:/bin', PORT: '0', ...env},
		timeout: timeoutMs,
	});
}

test('a job root out of space at start-up stops it with that reason, not the sandbox\'s: no weaker policy tried, no namespace advice', async t => {
	if (process.getuid?.() !== 0) {
		t.fail('this test needs root: it mounts a small tmpfs in a private mount namespace');
		return;
	}

	const jobRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'c-runner-test-'));
	const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'c-runner-test-cache-'));
	try {
		// A private mount namespace: the tmpfs, filled before the server starts, exists for the server only.
		const result = await startUpInOwnMounts('mount -t tmpfs -o size=1m,mode=0711 tmpfs "$C_RUNNER_JOB_ROOT" && { dd if=/dev/zero of="$C_RUNNER_JOB_ROOT/filler" bs=4k 2>/dev/null; exec "$0" "$@"; }', {C_RUNNER_JOB_ROOT: jobRoot, C_RUNNER_COMPILE_CACHE_DIR: cacheDir, C_RUNNER_UID_BASE: String(66_620 + uidOffset)}, 60_000);
		t.is(result.status, 1, result.stderr);
		t.regex(result.stderr, /^c-runner: the job root cannot take a job \(ENOSPC\): ENOSPC: no space left on device/);
		t.regex(result.stderr, new RegExp(`Free room on its file system \\(df -h ${jobRoot}`));
		t.notRegex(result.stderr, /user namespaces|no safe sandbox policy/);
		t.deepEqual(fs.readdirSync(cacheDir), [], 'the compile cache\'s directory removed');
	} finally {
		fs.rmSync(jobRoot, {recursive: true, force: true});
		fs.rmSync(cacheDir, {recursive: true, force: true});
	}
});

test('a compile cache directory that cannot take its owner mark (a full disk) stops start-up and is not left behind', async t => {
	if (process.getuid?.() !== 0) {
		t.fail('this test needs root: it mounts a small tmpfs in a private mount namespace');
		return;
	}

	const jobRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'c-runner-test-'));
	fs.chmodSync(jobRoot, 0o711);
	const cacheBase = fs.mkdtempSync(path.join(os.tmpdir(), 'c-runner-test-cache-'));
	try {
		// The cache's base, a full tmpfs of the private mount namespace; what the server left there is listed after it.
		const script = 'mount -t tmpfs -o size=1m tmpfs "$C_RUNNER_COMPILE_CACHE_DIR" && dd if=/dev/zero of="$C_RUNNER_COMPILE_CACHE_DIR/filler" bs=4k 2>/dev/null;'
			+ ' "$0" "$@"; code=$?; ls -A "$C_RUNNER_COMPILE_CACHE_DIR" >&2; exit $code';
		const result = await startUpInOwnMounts(script, {C_RUNNER_JOB_ROOT: jobRoot, C_RUNNER_COMPILE_CACHE_DIR: cacheBase, C_RUNNER_UID_BASE: String(66_660 + uidOffset)}, 60_000);
		t.is(result.status, 1, result.stderr);
		t.regex(result.stderr, /^c-runner: cannot make the compile cache's directory under .*: ENOSPC/);
		t.regex(result.stderr, /^filler$/m, 'the listing was made');
		t.notRegex(result.stderr, /^c-runner-compile-cache-\d+$/m, 'no cache directory left');
	} finally {
		fs.rmSync(jobRoot, {recursive: true, force: true});
		fs.rmSync(cacheBase, {recursive: true, force: true});
	}
});

test('a job root on a noexec mount (Docker\'s default --tmpfs) stops start-up with a clear message', async t => {
	if (process.getuid?.() !== 0) {
		t.fail('this test needs root: it mounts a noexec tmpfs in a private mount namespace');
		return;
	}

	const jobRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'c-runner-test-'));
	try {
		// A private mount namespace: the noexec tmpfs exists for the server only and goes with it.
		const result = await startUpInOwnMounts('mount -t tmpfs -o noexec,mode=0711 tmpfs "$C_RUNNER_JOB_ROOT" && exec "$0" "$@"', {C_RUNNER_JOB_ROOT: jobRoot, C_RUNNER_UID_BASE: String(uidBase(9) + 5 + uidOffset)}, 30_000);
		t.is(result.status, 1, result.stderr);
		t.regex(result.stderr, new RegExp(`^c-runner: the job root ${jobRoot} is on a noexec mount \\(${jobRoot}\\)`));
		t.regex(result.stderr, /--tmpfs \/tmp:rw,exec/);
	} finally {
		fs.rmSync(jobRoot, {recursive: true, force: true});
	}
});
