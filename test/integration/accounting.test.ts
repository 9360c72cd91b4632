// Per-job accounting against the programs that tried to evade it (issue: spread memory, memfds, SysV shared
// memory, CPU of kernel-reaped children, a blinded helper, a ptrace stop taken for an exit). Each one runs through
// the real server, gcc and bwrap under both accounting backends: job cgroups (the server as root on this host) and
// the helper alone (the server unprivileged, as in a container). Where the helper backend cannot promise a limit,
// the test asserts exactly what /health says it does not promise.
import {spawn, spawnSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {processStart} from '../../src/proc.ts';
import {tryLock} from '../../src/lock.ts';
import {instanceName, ownCgroups} from '../../src/sandbox/cgroup.ts';
import {assertHostClean, example, execute, leftoverJobCgroups, leftoverProcesses, startServer, type RunningServer} from '../helpers/server.ts';

// A CPU limit of 1000 ms by default, with a wall limit far above it: on a loaded machine only the CPU limit decides.
const env = {C_RUNNER_RUN_FILE_SIZE_MB: '64', C_RUNNER_RUN_PROCESSES: '32', C_RUNNER_RUN_CPU_MS: '1000', C_RUNNER_RUN_WALL_MS: '15000', C_RUNNER_RUN_MEMORY_MB: '64'};
// A dead instance's job cgroup, left under this process's own memory cgroup: the next server removes it at start.
const stale = (() => {
	const own = ownCgroups(fs.readFileSync('/proc/self/cgroup', 'utf8')).get('memory')!;
	const dead = spawnSync('/bin/true').pid!;
	return path.join('/sys/fs/cgroup/memory', own, instanceName(dead, '1'));
})();

// And one whose pid a later process holds (pids are reused): a process that started at another tick cannot have made it.
const reuser = spawn('sleep', ['600'], {stdio: 'ignore'});
const reused = path.join(path.dirname(stale), instanceName(reuser.pid!, String(Number(processStart(reuser.pid!)) - 1)));
// Two that a running instance may still have: its own name, whose lock it holds (the wall clock set forward since it
// was made, so that the directory looks older than its process), and a name of a server before the lock and the start
// were in it, whose pid runs.
const running = spawn('sleep', ['600'], {stdio: 'ignore'});
const live = path.join(path.dirname(stale), instanceName(running.pid!));
const pidOnly = path.join(path.dirname(stale), `c-runner-${running.pid!}`);
let liveLock: number | undefined;
const servers: {cgroup?: RunningServer; helper?: RunningServer; 'helper, no /proc'?: RunningServer} = {};
test.before(async () => {
	fs.mkdirSync(path.join(stale, 'c_exec_stale-run'), {recursive: true});
	fs.mkdirSync(path.join(reused, 'c_exec_stale-run'), {recursive: true});
	const anHourAgo = new Date(Date.now() - 3_600_000);
	for (const dir of [live, pidOnly]) {
		fs.mkdirSync(path.join(dir, 'c_exec_running'), {recursive: true});
		fs.utimesSync(dir, anHourAgo, anHourAgo);
	}

	liveLock = fs.openSync(live, 'r');
	if (!await tryLock(liveLock)) {
		throw new Error(`${live} is locked by someone else`);
	}

	[servers.cgroup, servers.helper, servers['helper, no /proc']] = await Promise.all([
		startServer({uidBase: 63_000, env}),
		startServer({uidBase: 63_010, runAs: 63_010, env}),
		startServer({uidBase: 63_020, runAs: 63_020, env: {...env, C_RUNNER_SANDBOX_PROC: 'none'}}),
	]);
});
test.after.always(async () => {
	await Promise.all(Object.values(servers).map(async server => server.stop()));
	reuser.kill();
	running.kill();
	if (liveLock !== undefined) {
		fs.closeSync(liveLock);
	}
	for (const dir of [path.join(stale, 'c_exec_stale-run'), stale, path.join(reused, 'c_exec_stale-run'), reused, path.join(live, 'c_exec_running'), live, path.join(pidOnly, 'c_exec_running'), pidOnly]) {
		try {
			fs.rmdirSync(dir); // a cgroup directory: rmdir, never a recursive removal
		} catch {}
	}
});

type Backend = keyof typeof servers;
// The CPU and ptrace rules hold under every backend and policy; the helper's CPU sampling needs no /proc.
const backends: Backend[] = ['cgroup', 'helper', 'helper, no /proc'];
const server = (backend: Backend) => servers[backend]!;
const limits = {};
// Touching hundreds of MiB takes CPU: the memory tests leave room so that only the memory limit can decide.
const memoryLimits = {time_limit_ms: 5000, memory_limit_mb: 64};
const mib = 1024;
// The kernel may pass a cgroup's limit by a few pages for charges that must not fail (a dying task's, kernel data).
const atMostLimit = (kb: number) => kb <= (64 * mib) + 256;

async function run(backend: Backend, file: string, args: string[] = [], requestLimits: Record<string, number> = limits) {
	const {status, body} = await execute(server(backend), {code: example(file), args, ...requestLimits});
	if (status !== 200) {
		throw new Error(`${file}: HTTP ${status} ${JSON.stringify(body)}`);
	}

	return body;
}

const health = async (backend: Backend) => (await (await fetch(`${server(backend).url}/health`)).json() as Record<string, any>)['policy']['accounting'];

test.serial('a dead instance\'s job cgroups are removed at start-up, also when its pid is now another process\'s; a running one\'s never', t => {
	t.false(fs.existsSync(stale), stale);
	t.true(fs.existsSync(`/proc/${reuser.pid}`), 'the process that holds the pid now runs');
	t.false(fs.existsSync(reused), reused);
	t.true(fs.existsSync(path.join(live, 'c_exec_running')), 'a running instance\'s cgroups stay (it holds their lock), however old their directory looks');
	t.true(fs.existsSync(path.join(pidOnly, 'c_exec_running')), 'and those named by a pid alone while the pid runs');
});

test.serial('/health names the accounting backend and what it does not promise', async t => {
	const cgroup = await health('cgroup');
	t.is(cgroup['backend'], 'cgroup-v1');
	t.deepEqual(cgroup['not_guaranteed'], []);
	t.regex(cgroup['guarantees'].join('\n'), /cannot lower the helper's limits or its scheduling/);
	t.is(cgroup['cpu_limit_precision_ms'], 5);
	t.regex(cgroup['memory_kb_counts'], /the page cache of files the job is the first to read/);
	const helper = await health('helper');
	t.is(helper['backend'], 'helper');
	t.regex(helper['reason'], /not root/);
	t.regex(helper['not_guaranteed'].join('\n'), /memory over the whole job/);
	t.regex(helper['not_guaranteed'].join('\n'), /less than one sample/);
	t.regex(helper['not_guaranteed'].join('\n'), /a job that does its work in such short children runs on to the wall-clock limit/);
	t.regex(helper['not_guaranteed'].join('\n'), /pid_max per pid namespace/);
});

test.serial('the cgroup backend measures a plain run: figures from the job cgroup', async t => {
	const body = await run('cgroup', 'touch-64mib.c', [], {memory_limit_mb: 128});
	t.like(body, {status: 'ok', output: 'done\n'});
	// 64 MiB touched, plus the program's binary, libc and the sandbox's own: all counted, at once.
	t.true(body['memory_kb'] >= 64 * mib && body['memory_kb'] < 128 * mib, `memory_kb ${body['memory_kb']}`);
	await assertHostClean(t, server('cgroup'));
});

for (const backend of backends) {
	test.serial(`${backend}: a program that sleeps for seconds is charged no CPU time (the helper's pid probes are not its)`, async t => {
		// A CPU limit of 1000 ms: the wall limit, 3000 ms, ends it. The probes, 6 ms of CPU a second, were once counted:
		// 18 ms over the run. The program's own start (exec, the loader) is its own: 1 ms, up to 7 ms seen on a loaded
		// machine, so the bound is half of what the probes would add.
		const body = await run(backend, 'sleep-forever.c', [], {time_limit_ms: 1000});
		t.like(body, {status: 'time_limit', stopped_by: 'wall_time'});
		t.true(body['cpu_ms'] <= 9, `cpu_ms ${body['cpu_ms']}`);
		await assertHostClean(t, server(backend));
	});
}

for (const backend of backends) {
	test.serial(`${backend}: the program cannot lower the helper's limits or flood it with SIGXCPU: the job ends with its report`, async t => {
		// Once: the helper's RLIMIT_CPU lowered to 1 s, then a flood of SIGXCPU woke it until it died: a 500.
		const body = await run(backend, 'helper-signal-flood.c', [], {time_limit_ms: 10_000});
		t.like(body, {status: 'ok', output: 'prlimit64(1): refused EPERM\nflooded: many signals\n'});
		await assertHostClean(t, server(backend));
	});

	test.serial(`${backend}: a flood of SIGCHLD the program sends the helper does not make it sample for each: its own CPU stays small`, async t => {
		// Once: each SIGCHLD made a sample of every process of the job, some 5,000 a second: half a core of the
		// helper's CPU, counted nowhere. Read from outside, from the helpers' /proc entries, while the job runs.
		const helperCpuMs = () => Math.max(0, ...leftoverProcesses(server(backend)).filter(proc => proc.command.startsWith('/run/c-runner/sandbox')).map(proc => {
			try {
				const fields = fs.readFileSync(`/proc/${proc.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
				return (Number(fields[11]) + Number(fields[12])) * 10;
			} catch {
				return 0;
			}
		}));
		let most = 0;
		let done = false;
		const answer = run(backend, 'helper-sigchld-flood.c', [], {time_limit_ms: 5000}).finally(() => {
			done = true;
		});
		while (!done) {
			most = Math.max(most, helperCpuMs());
			await new Promise(resolve => setTimeout(resolve, 50));
		}

		const body = await answer;
		t.like(body, {status: 'ok'});
		t.regex(body['output'], /^sent \d+\n$/);
		t.true(Number(/sent (\d+)/.exec(body['output'])?.[1]) > 1000, 'a flood it was');
		t.log(`the helper used ${most} ms of CPU during the 1.5 s flood`);
		// Measured: 1020–1120 ms before, 190–200 ms now (without /proc, where a sample reads less: 350 and 90 ms).
		const bound = backend === 'helper, no /proc' ? 200 : 500;
		t.true(most < bound, `the helper used ${most} ms of CPU during the 1.5 s flood`);
		await assertHostClean(t, server(backend));
	});

	test.serial(`${backend}: the program cannot starve the helper: stopped at its CPU limit, not at the server's backstop`, async t => {
		// Once: with SCHED_IDLE on the helper, eight spinners ran 6.9 s against a 200 ms limit.
		const body = await run(backend, 'helper-starve.c', [], {time_limit_ms: 300});
		t.like(body, {status: 'time_limit', stopped_by: 'cpu_time'});
		t.regex(body['output'], /^sched_setscheduler\(1\): refused EPERM\nsetpriority\(PRIO_PROCESS, 1\): refused EPERM\nsetpriority\(PRIO_USER\): refused EPERM\nsched_setaffinity\(1\): refused EPERM\n$/);
		t.true(body['time_ms'] < 1600, `time_ms ${body['time_ms']}: before the wall limit`);
		await assertHostClean(t, server(backend));
	});
}

test.serial('TCP socket buffers are limited by the job cgroup too (memory.kmem.tcp); not by the helper backend', async t => {
	// Once: with no TCP limit set, 56 unread loopback connections held some 200 MiB of the host's memory, uncharged.
	const limited = await run('cgroup', 'tcp-buffers.c', [], {time_limit_ms: 5000, memory_limit_mb: 32});
	t.is(limited['status'], 'ok');
	t.regex(limited['output'], /^queued: under 64 MiB: \d+ MiB\n$/);
	await assertHostClean(t, server('cgroup'));
	t.regex((await health('helper'))['host_memory_worst_case_per_job'], /TCP socket buffers/);
});

test.serial('four children of 56 MiB each against 64 MiB: the job limit holds with cgroups; per process only without', async t => {
	const cgroup = await run('cgroup', 'memory-spread-children.c', ['4', '56'], memoryLimits);
	t.like(cgroup, {status: 'memory_limit', stopped_by: 'memory'});
	t.true(atMostLimit(cgroup['memory_kb']), `memory_kb ${cgroup['memory_kb']}`);
	const helper = await run('helper', 'memory-spread-children.c', ['4', '56'], memoryLimits);
	// Not promised by the helper backend: the total is not limited, and memory_kb is one process's peak.
	t.like(helper, {status: 'ok', output: '4 children held 224 MiB at once, 0 failed\n'});
	t.true(helper['memory_kb'] >= 56 * mib && helper['memory_kb'] < 64 * mib, `memory_kb ${helper['memory_kb']}`);
	await assertHostClean(t, server('cgroup'));
	await assertHostClean(t, server('helper'));
});

test.serial('640 MiB spread over 16 forks: memory_limit with cgroups', async t => {
	const cgroup = await run('cgroup', 'memory-spread-children.c', ['16', '40'], memoryLimits);
	t.like(cgroup, {status: 'memory_limit', stopped_by: 'memory'});
	t.true(atMostLimit(cgroup['memory_kb']), `memory_kb ${cgroup['memory_kb']}`);
	const helper = await run('helper', 'memory-spread-children.c', ['16', '40'], memoryLimits);
	t.like(helper, {status: 'ok', output: '16 children held 640 MiB at once, 0 failed\n'});
	await assertHostClean(t, server('cgroup'));
	await assertHostClean(t, server('helper'));
});

test.serial('512 MiB in memfds: memory_limit with cgroups; not limited by the helper backend', async t => {
	const cgroup = await run('cgroup', 'memory-memfd.c', [], memoryLimits);
	t.like(cgroup, {status: 'memory_limit', stopped_by: 'memory'});
	t.true(atMostLimit(cgroup['memory_kb']), `memory_kb ${cgroup['memory_kb']}`);
	const helper = await run('helper', 'memory-memfd.c', [], memoryLimits);
	t.like(helper, {status: 'ok'});
	t.regex(helper['output'], /^held 512 MiB in memfds/);
	await assertHostClean(t, server('cgroup'));
	await assertHostClean(t, server('helper'));
});

test.serial('600 MiB of SysV shared memory: memory_limit with cgroups; not limited by the helper backend', async t => {
	const cgroup = await run('cgroup', 'memory-sysv-shm.c', [], memoryLimits);
	t.like(cgroup, {status: 'memory_limit', stopped_by: 'memory'});
	t.true(atMostLimit(cgroup['memory_kb']), `memory_kb ${cgroup['memory_kb']}`);
	const helper = await run('helper', 'memory-sysv-shm.c', [], memoryLimits);
	t.like(helper, {status: 'ok'});
	t.regex(helper['output'], /^held 600 MiB in SysV shared memory/);
	await assertHostClean(t, server('cgroup'));
	await assertHostClean(t, server('helper'));
});

/**
 * Stopped at the CPU limit: the figure is read once more after the kill (the cgroup's count, less the helper's own
 * CPU since), so it may come out a millisecond or two under the sample that stopped the job; never far under.
 */
const stoppedAtTheLimit = (t: import('ava').ExecutionContext, cpuMs: number) => t.true(cpuMs >= 995 && cpuMs < 2000, `cpu_ms ${cpuMs}`);

for (const backend of backends) {
	test.serial(`${backend}: the CPU of children reaped by the kernel (SIGCHLD ignored) counts: 5 s against 1000 ms`, async t => {
		const body = await run(backend, 'cpu-sigchld-ignored.c');
		t.like(body, {status: 'time_limit', stopped_by: 'cpu_time', output: ''});
		stoppedAtTheLimit(t, body['cpu_ms']);
		await assertHostClean(t, server(backend));
	});

	test.serial(`${backend}: CPU spent in children shorter than a sample, each reaped by its parent: time_limit (stopped at the limit with a job cgroup)`, async t => {
		// With job cgroups, the server's limits (1000 ms of CPU, a 15 s wall), which only the CPU limit can end: a request's
		// time_limit_ms brings the wall limit down to twice it and a second, and a loaded machine gave the job 245 ms of
		// CPU in 300's 1600 ms wall, and 509 in 1000's 3000. The helper backend runs on to the wall limit (its samples
		// miss the children): 300 ms, so 1600 ms of wall.
		const cpuLimitMs = backend === 'cgroup' ? 1000 : 300;
		const body = await run(backend, 'cpu-short-children.c', [], backend === 'cgroup' ? {} : {time_limit_ms: cpuLimitMs});
		t.is(body['status'], 'time_limit');
		if (backend === 'cgroup') {
			t.is(body['stopped_by'], 'cpu_time', `cpu_ms ${body['cpu_ms']} in ${body['time_ms']} ms`);
			t.true(body['cpu_ms'] < cpuLimitMs * 1.3, `cpu_ms ${body['cpu_ms']}`);
		}

		t.true(body['cpu_ms'] >= cpuLimitMs - 5, `cpu_ms ${body['cpu_ms']}`);

		// The helper backend's samples miss most of the children (once: 771 and 1562 ms of CPU against 300); /health
		// says so (above), and the figure, counted at the end from what was reaped, still makes the verdict.
		await assertHostClean(t, server(backend));
	});

	test.serial(`${backend}: ... and the helper's pid probe cannot be blinded (its RLIMIT_NPROC lowered to 1: refused)`, async t => {
		const body = await run(backend, 'cpu-sigchld-ignored.c', ['50', '100', 'blind']);
		t.regex(body['error'], /prlimit NPROC refused/, 'the syscall filter refuses prlimit64 on pid 1');
		t.like(body, {status: 'time_limit', stopped_by: 'cpu_time', output: ''});
		stoppedAtTheLimit(t, body['cpu_ms']);
		await assertHostClean(t, server(backend));
	});

	test.serial(`${backend}: the helper's rlimits cannot be lowered: a 2.5 s spin against 1000 ms is stopped at the limit`, async t => {
		const body = await run(backend, 'prlimit-helper.c');
		t.regex(body['error'], /prlimit NOFILE refused\nprlimit NPROC refused\nprlimit AS refused\nprlimit CPU refused/, 'the syscall filter refuses prlimit64 on pid 1');
		t.like(body, {status: 'time_limit', stopped_by: 'cpu_time', output: ''});
		stoppedAtTheLimit(t, body['cpu_ms']);
		await assertHostClean(t, server(backend));
	});

	test.serial(`${backend}: PTRACE_TRACEME then a crash is a SIGSEGV, not an exit`, async t => {
		const body = await run(backend, 'ptrace-traceme-crash.c');
		t.like(body, {status: 'signalled', signal: 'SIGSEGV', exit_code: -11});
		await assertHostClean(t, server(backend));
	});
}

test.serial('stopping the server removes its instance cgroups', async t => {
	const cgroup = server('cgroup');
	const instances = ['memory', 'pids', 'cpuacct'].map(controller => path.join('/sys/fs/cgroup', controller, ownCgroups(fs.readFileSync(`/proc/${cgroup.pid}/cgroup`, 'utf8')).get(controller)!, instanceName(cgroup.pid)));
	t.true(instances.every(dir => fs.existsSync(dir)), instances.join(' '));
	t.deepEqual(leftoverJobCgroups(cgroup), []);
	t.like(await cgroup.stop(), {code: 0});
	t.deepEqual(instances.filter(dir => fs.existsSync(dir)), []);
});
