// Sandboxes made ahead of their jobs (src/job/launchers.ts), through the real server, gcc and bwrap: for each slot
// and step one sandbox waits, alone in a fresh job cgroup, as the slot's uid, holding nothing but its own
// descriptors and a new job directory; a job's steps take them and new ones are made for the slot's next job. A job
// in a sandbox made ahead must be exactly as fresh as one in a new sandbox: the same program prints the same world.
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {cgroupMounts} from '../../src/sandbox/cgroup.ts';
import {assertHostClean, assertStdinFile, example, execute, leftoverJobCgroups, settledAhead, startServer, waitFor, type RunningServer, type WaitingLauncher, uidOffset} from '../helpers/server.ts';

/** One slot, so that each job runs on the slot whose sandboxes the one before it left. */
const oneSlot = {C_RUNNER_CONCURRENCY: '1', C_RUNNER_COMPILE_CACHE_BYTES: '0'};
let ahead: RunningServer;
let fresh: RunningServer;
test.before(async () => {
	[ahead, fresh] = await Promise.all([
		startServer({uidBase: 66_300, env: oneSlot}),
		startServer({uidBase: 66_310, env: {...oneSlot, C_RUNNER_LAUNCH_AHEAD: 'off'}}),
	]);
});
test.after.always(async () => {
	await Promise.all([ahead?.stop(), fresh?.stop()]);
});

/** What waits for the one slot: its compile and run sandboxes made ahead (bwrap and the helper of each). */
const settled = async (server: RunningServer) => settledAhead(server, 1);
const kinds = (list: readonly WaitingLauncher[]) => list.map(entry => `${entry.step} ${entry.kind}`).sort();
const allKinds = ['compile bwrap', 'compile helper', 'run bwrap', 'run helper'];

const descriptors = (pid: number) => Object.fromEntries(fs.readdirSync(`/proc/${pid}/fd`).map(fd => [fd, fs.readlinkSync(`/proc/${pid}/fd/${fd}`)]));

test.serial('each slot has a compile and a run sandbox waiting, each alone in its cgroup, holding nothing of any job', async t => {
	const waiting = await settled(ahead);
	t.deepEqual(kinds(waiting), allKinds);
	t.deepEqual(leftoverJobCgroups(ahead), [], 'their cgroups hold them alone');
	t.true(waiting.every(entry => entry.uid === 66_300 + uidOffset), 'the slot\'s uid');
	for (const step of ['compile', 'run'] as const) {
		const bwrap = waiting.find(entry => entry.step === step && entry.kind === 'bwrap')!;
		const helper = waiting.find(entry => entry.step === step && entry.kind === 'helper')!;
		t.regex(bwrap.cgroup, new RegExp(`^ahead-${66_300 + uidOffset}-${step}-`));
		t.is(helper.cgroup, bwrap.cgroup);
		t.is(fs.readFileSync(`/proc/${bwrap.pid}/environ`, 'utf8'), '', 'bwrap: an empty environment');
		const fds = descriptors(bwrap.pid);
		t.is(fds['0'], '/dev/null');
		for (const fd of ['1', '2']) {
			t.regex(fds[fd]!, /^(pipe|socket):/, `descriptor ${fd}: one of the server's own pipes`);
		}

		// A new job directory: empty but for the owner mark (a compile), or the empty files its sandbox binds (a run).
		const files = fs.readdirSync(bwrap.dir!).sort();
		t.deepEqual(files, step === 'compile' ? ['.owner'] : ['.owner', 'source', 'stdin']);
		t.true(files.filter(file => file !== '.owner').every(file => fs.statSync(path.join(bwrap.dir!, file)).size === 0), 'empty');
		const lang = step === 'compile' ? 'LANG=C' : 'LANG=C.UTF-8';
		t.deepEqual(fs.readFileSync(`/proc/${helper.pid}/environ`, 'utf8').split('\0').filter(Boolean).sort(), [`HOME=${bwrap.dir}`, lang, 'PATH=/usr/bin:/bin', `PWD=${bwrap.dir}`, 'TMPDIR=/tmp']);
		t.is(fs.readFileSync(`/proc/${helper.pid}/task/${helper.pid}/children`, 'utf8').trim(), '', 'nothing run yet');
		const helperFds = descriptors(helper.pid);
		t.regex(helperFds['7']!, /^(pipe|socket):/, 'the command is still to come on descriptor 7');
		t.true(helperFds['5']!.endsWith(`/${bwrap.cgroup}/cpuacct.usage`), helperFds['5']);
		t.true(helperFds['6']!.endsWith(`/${bwrap.cgroup}/memory.oom_control`), helperFds['6']);
		t.true(Object.keys(helperFds).every(fd => Number(fd) <= 9), Object.keys(helperFds).join(' '));
	}
});

test.serial('a job takes its slot\'s compile and run sandboxes, and new ones wait for the next job', async t => {
	const before = new Set((await settled(ahead)).map(launcher => launcher.pid));
	const answer = await execute(ahead, {code: example('hello.c')});
	t.like(answer.body, {status: 'ok', output: 'Hello from C!'});
	t.regex(answer.headers.get('server-timing') ?? '', /compile_sandbox/);
	const after = await settled(ahead);
	t.deepEqual(kinds(after), allKinds);
	t.true(after.every(launcher => !before.has(launcher.pid)), 'all were used, all are new');
	await assertHostClean(t, ahead);
});

test.serial('job directories of sandboxes made ahead removed while they wait (a /tmp cleaner): the job makes its own, and runs', async t => {
	const waiting = await settled(ahead);
	const dirs = [...new Set(waiting.flatMap(entry => entry.dir === undefined ? [] : [entry.dir]))];
	t.is(dirs.length, 2, 'a compile and a run sandbox, each with its directory');
	for (const dir of dirs) {
		fs.rmSync(dir, {recursive: true, force: true});
	}

	const answer = await execute(ahead, {code: example('hello.c')});
	t.like(answer.body, {status: 'ok', output: 'Hello from C!'});
	const gone = ahead.logs.filter(entry => entry['msg'] === 'the job directory of a sandbox made ahead was gone when its job came: the step makes its own');
	t.deepEqual(gone.map(entry => entry['step']).sort(), ['compile', 'run']);
	t.deepEqual(kinds(await settled(ahead)), allKinds, 'new ones wait for the next job');
	await assertHostClean(t, ahead);
});

test.serial('a job in sandboxes made ahead sees exactly what a job in new ones sees: fresh-sandbox.c', async t => {
	const code = example('fresh-sandbox.c');
	// Each server runs it twice in a row on its one slot; the second run starts on what the first one left.
	const outputs: string[] = [];
	for (const server of [ahead, fresh, ahead, fresh]) {
		const {body} = await execute(server, {code});
		t.is(body['status'], 'ok', body['error']);
		// Each job has its own directory under its server's own job root: named, so the rest can be compared.
		const output = body['output'] as string;
		const cwd = /^cwd: (.*)$/m.exec(output)![1]!;
		outputs.push(output.replaceAll(cwd, '<job directory>').replaceAll(path.basename(server.jobRoot), '<job root>'));
	}

	t.regex(outputs[0]!, /^cwd: <job directory>\ndescriptors: 0 1 2\n/);
	t.regex(outputs[0]!, /^environment: PATH=\/usr\/bin:\/bin HOME=<job directory> LANG=C.UTF-8 TMPDIR=\/tmp PWD=<job directory>$/m);
	t.regex(outputs[0]!, /^processes: 1 \(and itself\)$/m);
	t.regex(outputs[0]!, /^working directory:\n\/tmp: <job root>\n\/run\/c-runner: (sandbox stdin|stdin sandbox)\n$/m, 'the helper and the stdin file, nothing else');
	t.deepEqual(outputs, [outputs[0], outputs[0], outputs[0], outputs[0]]);
	await assertHostClean(t, ahead);
	await assertHostClean(t, fresh);
});

test.serial('a run with stdin takes its slot\'s run sandbox too, whose helper opens the stdin written into it: echo-stdin.c', async t => {
	const before = new Set((await settled(ahead)).map(launcher => launcher.pid));
	const {body} = await execute(ahead, {code: example('echo-stdin.c'), stdin: 'line one\nline two\n'.repeat(2000)});
	t.is(body['status'], 'ok', body['error']);
	t.regex(body['output'], /line one\n.*line two/s);
	t.is(body['output'].split('line one').length - 1, 2000, 'all of it');
	t.true((await settled(ahead)).every(launcher => !before.has(launcher.pid)), 'all were used');
	await assertHostClean(t, ahead);
});

test.serial('stdin is a regular file, read-only, in a sandbox made ahead as in a new one: stdin-file.c', async t => {
	for (const server of [ahead, fresh, ahead]) {
		await assertStdinFile(t, server);
	}

	await assertHostClean(t, ahead);
	await assertHostClean(t, fresh);
});

test.serial('the CPU and wall limits a request asks for come with the command to the run sandbox made ahead', async t => {
	const run = async (body: Record<string, unknown>) => {
		const before = new Set((await settled(ahead)).filter(entry => entry.step === 'run').map(entry => entry.pid));
		const answer = (await execute(ahead, body)).body;
		// Gone soon after the answer: a step is answered at its helper's report, before bwrap has exited.
		t.true(before.size > 0 && await waitFor(() => [...before].every(pid => !fs.existsSync(`/proc/${pid}`)), 5000), 'the run sandbox made ahead was used');
		return answer;
	};

	// infinite-loop.c spins until stopped: at the 100 ms of CPU asked for, not the server's 10 s default.
	const cpu = await run({code: example('infinite-loop.c'), time_limit_ms: 100});
	t.like(cpu, {status: 'time_limit', stopped_by: 'cpu_time', limits: {cpu_time_ms: 100, wall_time_ms: 1200}});
	t.true(cpu['cpu_ms'] >= 100 && cpu['cpu_ms'] < 200, `cpu_ms ${cpu['cpu_ms']}`);
	// sleep-forever.c uses no CPU: the wall limit that came with the command (twice 100 ms plus a second) stops it.
	const wall = await run({code: example('sleep-forever.c'), time_limit_ms: 100});
	t.like(wall, {status: 'time_limit', stopped_by: 'wall_time', limits: {wall_time_ms: 1200}});
	t.true(wall['time_ms'] >= 1200 && wall['time_ms'] < 2000, `time_ms ${wall['time_ms']}`);
	await assertHostClean(t, ahead);
});

test.serial('the memory limit a request asks for is set on the cgroup made ahead, lower and higher alike', async t => {
	// memory-hog.c allocates without end: it stops at whatever limit the request set.
	const low = (await execute(ahead, {code: example('memory-hog.c'), memory_limit_mb: 24})).body;
	t.like(low, {status: 'memory_limit', limits: {memory_mb: 24}});
	t.true(low['memory_kb'] >= 24 * 1024 && low['memory_kb'] < 28 * 1024, `memory_kb ${low['memory_kb']}`);
	const high = (await execute(ahead, {code: example('memory-hog.c'), memory_limit_mb: 96})).body;
	t.like(high, {status: 'memory_limit', limits: {memory_mb: 96}});
	t.true(high['memory_kb'] >= 96 * 1024 && high['memory_kb'] < 100 * 1024, `memory_kb ${high['memory_kb']}`);
	t.like((await execute(ahead, {code: example('touch-64mib.c'), memory_limit_mb: 96})).body, {status: 'ok'});
	await assertHostClean(t, ahead);
});

for (const step of ['run', 'compile'] as const) {
	test.serial(`a ${step} sandbox killed while it waits: it is said and replaced; the next job makes its own or takes the new one`, async t => {
		const helper = (await settled(ahead)).find(entry => entry.step === step && entry.kind === 'helper')!;
		const logged = ahead.logs.length;
		process.kill(helper.pid, 'SIGKILL');
		// Once the server has seen it end (a job taking it in the moment it dies, whose command then reaches nobody,
		// makes its own instead: test/job/launchers.test.ts; one taking it as its command is written is a 500).
		const said = () => ahead.logs.slice(logged).some(entry => entry['msg'] === 'a launcher started ahead ended before its job');
		t.true(await waitFor(said, 2000, 10), 'said');
		t.like((await execute(ahead, {code: example('hello.c')})).body, {status: 'ok', output: 'Hello from C!'});
		t.deepEqual(kinds(await settled(ahead)), allKinds);
		await assertHostClean(t, ahead);
	});
}

test.serial('shutdown: every waiting sandbox ends, every cgroup and job directory goes', async t => {
	const waiting = await settled(ahead);
	const launchers = waiting.filter(entry => entry.kind === 'bwrap');
	t.is(launchers.length, 2);
	const jobDirs = launchers.map(entry => entry.dir!);
	t.true(jobDirs.every(dir => fs.existsSync(dir)));
	const memory = cgroupMounts(fs.readFileSync('/proc/self/mountinfo', 'utf8')).get('memory')!.point;
	// Each launcher's cgroup, and the server's instance cgroup above them, as paths on the host.
	const cgroupDirs = launchers.map(launcher => path.join(memory, /^\d+:memory:(.*)$/m.exec(fs.readFileSync(`/proc/${launcher.pid}/cgroup`, 'utf8'))![1]!));
	const instance = path.dirname(cgroupDirs[0]!);
	t.true(fs.existsSync(instance) && cgroupDirs.every(dir => fs.existsSync(dir)));
	const {code} = await ahead.stop();
	t.is(code, 0);
	t.true(launchers.every(launcher => !fs.existsSync(`/proc/${launcher.pid}`)), 'no launcher left');
	t.true([...cgroupDirs, instance].every(dir => !fs.existsSync(dir)), 'no cgroup left');
	t.deepEqual(jobDirs.filter(dir => fs.existsSync(dir)), [], 'their job directories are gone');
	t.deepEqual(waiting.filter(entry => fs.existsSync(`/proc/${entry.pid}`)), [], 'no process left');
});
