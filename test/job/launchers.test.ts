// The pool of launchers started ahead (src/job/launchers.ts) against a fake sandbox and fake job cgroups, in
// milliseconds: what it starts, hands out, replaces and ends. What a launcher does is proven through the real one
// (test/sandbox/launch.test.ts, test/integration/launch-ahead.test.ts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {pino} from 'pino';
import test from 'ava';
import {loadConfig, type SandboxLimits} from '../../src/config.ts';
import {afterAnswer, answerFirst} from '../../src/job/after-answer.ts';
import {LauncherPool} from '../../src/job/launchers.ts';
import {compileProgram, sandboxStep, type JobDeps, type StartedLauncher} from '../../src/job/run-job.ts';
import {programFromCode} from '../../src/job/language.ts';
import {currentOwner} from '../../src/job/workspace.ts';
import type {CgroupBackend, JobCgroup} from '../../src/sandbox/cgroup.ts';
import type {HostLayout} from '../../src/sandbox/host-layout.ts';
import {compileProfile, runProfile} from '../../src/sandbox/profiles.ts';
import type {SandboxCommand, SandboxRun, SpawnOptions} from '../../src/sandbox/spawn.ts';
import {recordingLogger} from '../helpers/fake-app.ts';

const roots: string[] = [];
test.after.always(() => {
	for (const root of roots) {
		fs.rmSync(root, {recursive: true, force: true});
	}
});

const layout: HostLayout = {links: [{path: '/lib', target: 'usr/lib'}], dirs: [], usrLib64: false, usrLocal: false};
const users = [{uid: 70_000, gid: 70_000}, {uid: 70_001, gid: 70_001}];

/** Fake job cgroups and a fake sandbox that waits for its command: what was made, removed and told. */
function setup() {
	const made: string[] = [];
	const removed: string[] = [];
	const told: Array<{name: string; command: SandboxCommand | null}> = [];
	let exits: Array<() => void> = [];
	/** Set: every job cgroup is refused, as by a host whose cgroup hierarchy is full. */
	const refuse = {now: false, tries: 0};
	const cgroups: CgroupBackend = {
		name: 'cgroup-v1',
		dirs: {memory: '/m', pids: '/p', cpuacct: '/c'},
		memsw: true,
		async createJob(name, _user, limits): Promise<JobCgroup> {
			if (refuse.now) {
				refuse.tries++;
				throw new Error('ENOSPC: no space left on device, mkdir');
			}

			made.push(name);
			let memoryMb = limits.memoryMb;
			return {
				launchArgs: [name],
				get memoryMb() {
					return memoryMb;
				},
				setMemoryLimit(mb) {
					memoryMb = mb;
				},
				async read() {
					return {cpuMs: 1, peakKb: 1, oomKills: 0, failcnt: 0};
				},
				async remove() {
					removed.push(name);
				},
			};
		},
		async close() {},
	};
	const sandbox = async (options: SpawnOptions): Promise<SandboxRun> => {
		const name = options.launcher!.args[0]!;
		// As the real one: killed, the process is reaped and its run ends, with no report.
		const killed = new Promise<'killed'>(resolve => {
			exits.push(() => {
				options.onExit?.();
				resolve('killed');
			});
		});
		const command = await Promise.race([options.command, killed]);
		const finished = {stdout: Buffer.from(''), stderr: Buffer.from(''), report: null, overflowed: null, backstopFired: false, canceled: false, durationMs: 1};
		if (command === 'killed') {
			return finished;
		}

		told.push({name, command});
		options.onExit?.();
		return {...finished, ...(command === null ? {declined: true} : {})};
	};

	// The compile sandboxes made ahead have real job directories: in a root of this test's own.
	const jobRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'c-runner-test-'));
	roots.push(jobRoot);
	const config = loadConfig({C_RUNNER_JOB_ROOT: jobRoot});
	const deps: JobDeps = {
		config,
		profiles: {compile: compileProfile(layout, config.compile), run: runProfile(layout, config.run)},
		owner: currentOwner(),
		logger: pino({level: 'silent'}),
		cgroups,
		sandbox,
	};
	return {
		deps, made, removed, told, jobRoot, refuse,
		/** Every launcher started so far ends as if killed from outside. */
		killAll() {
			for (const exit of exits) {
				exit();
			}

			exits = [];
		},
	};
}

const tick = async (ms = 0) => new Promise(resolve => setTimeout(resolve, ms));
/** Past a replacement's start after its step (refillDelayMs, 30 ms, and the idle settling). */
const refillSettleMs = 60;
/** The server as the pool sees it: no job running. */
const alwaysIdle = async () => {};
/** Until every slot's launchers are there (a compile sandbox made ahead makes a real job directory first). */
async function ready(pool: LauncherPool, count = 4) {
	for (let tries = 0; tries < 200 && pool.waiting < count; tries++) {
		await tick(5);
	}
}
const limitsOf = (deps: JobDeps, step: 'compile' | 'run'): SandboxLimits => deps.profiles[step].limits;

test('one launcher per slot and step, each in a cgroup of its own named for both', async t => {
	const {deps, made} = setup();
	const pool = new LauncherPool(deps, users, alwaysIdle);
	await ready(pool);
	t.is(pool.waiting, 4);
	t.deepEqual(made.map(name => name.replace(/-[\da-f]{8}$/, '')).sort(), ['ahead-70000-compile', 'ahead-70000-run', 'ahead-70001-compile', 'ahead-70001-run']);
	// A compile sandbox made ahead comes with its job directory: new, the slot's, empty but for the owner mark.
	const compile = pool.take('compile', users[0]!, limitsOf(deps, 'compile'))!;
	t.deepEqual(fs.readdirSync(compile.workspace!.dir), ['.owner']);
	t.is(fs.statSync(compile.workspace!.dir).uid, users[0]!.uid);
	// A run sandbox made ahead: its job directory holds the program and stdin files it binds, empty, the slot's.
	const run = pool.take('run', users[0]!, limitsOf(deps, 'run'))!;
	t.deepEqual(fs.readdirSync(run.workspace!.dir).sort(), ['.owner', 'source', 'stdin']);
	for (const [file, mode] of [[run.workspace!.binaryPath, 0o755], [run.workspace!.stdinPath, 0o400]] as const) {
		t.like(fs.statSync(file), {size: 0, uid: users[0]!.uid});
		t.is(fs.statSync(file).mode & 0o777, mode);
	}

	await compile.discard();
	await run.discard();
	t.false(fs.existsSync(compile.workspace!.dir));
	t.false(fs.existsSync(run.workspace!.dir));
	await pool.close();
});

test('a take hands out the slot\'s launcher once; a replacement waits for the slot\'s next job', async t => {
	const {deps, made} = setup();
	const pool = new LauncherPool(deps, users, alwaysIdle);
	await ready(pool);
	const launcher = pool.take('run', users[0]!, limitsOf(deps, 'run'));
	t.truthy(launcher);
	t.regex(launcher!.cgroup.launchArgs[0]!, /^ahead-70000-run-/, 'the slot\'s run sandbox');
	t.is(pool.take('run', users[0]!, limitsOf(deps, 'run')), undefined, 'the replacement is not there yet');
	const other = pool.take('run', users[1]!, limitsOf(deps, 'run'));
	t.truthy(other, 'another slot\'s is its own');
	await tick(60);
	t.is(made.length, 4, 'no replacement while the steps that took them are under way');
	await launcher!.go(null);
	await other!.go(null);
	await tick(40);
	await ready(pool);
	t.is(made.length, 6, 'both replaced once their steps were over');
	t.truthy(pool.take('run', users[0]!, limitsOf(deps, 'run')));
	await pool.close();
});

test('a replacement waits while a job runs: it starts once none does', async t => {
	const {deps, made} = setup();
	let becomeIdle!: () => void;
	const idle = new Promise<void>(resolve => {
		becomeIdle = resolve;
	});
	let waits = 0;
	const pool = new LauncherPool(deps, users, async () => {
		waits++;
		return idle;
	});
	await ready(pool);
	const taken = [pool.take('run', users[0]!, limitsOf(deps, 'run'))!, pool.take('compile', users[1]!, limitsOf(deps, 'compile'))!];
	await Promise.all(taken.map(async launcher => launcher.go(null)));
	await tick(100);
	t.is(made.length, 4, 'not while another job runs');
	t.is(waits, 1, 'one wait for idleness, whatever waits on it');
	becomeIdle();
	await tick(20);
	await ready(pool);
	t.is(made.length, 6, 'both, once the server is idle');
	await pool.close();
});

test('a replacement waits while jobs run, but no longer than the longest wait', async t => {
	const {deps, made} = setup();
	const pool = new LauncherPool(deps, users, async () => new Promise(() => {}));
	await ready(pool);
	const launcher = pool.take('compile', users[1]!, limitsOf(deps, 'compile'))!;
	await launcher.discard();
	await tick(120);
	t.is(made.length, 4, 'not yet');
	await tick(200);
	await ready(pool);
	t.is(made.length, 5, 'started all the same');
	await pool.close();
});

test('no launcher for a uid that is no slot\'s, nor for other process limits; the memory limit does not matter', async t => {
	const {deps} = setup();
	const pool = new LauncherPool(deps, users, alwaysIdle);
	await ready(pool);
	const run = limitsOf(deps, 'run');
	t.is(pool.take('run', {uid: 70_005, gid: 70_005}, run), undefined);
	t.is(pool.take('run', null, run), undefined);
	t.is(pool.take('run', users[0]!, {...run, processes: run.processes + 1}), undefined);
	t.truthy(pool.take('run', users[0]!, {...run, memoryMb: run.memoryMb * 2}));
	await pool.close();
});

test('a launcher gone while it waits is never handed out: its cgroup goes and a new one is started', async t => {
	const {deps, made, removed, killAll} = setup();
	const pool = new LauncherPool(deps, users, alwaysIdle);
	await ready(pool);
	killAll();
	t.is(pool.take('compile', users[0]!, limitsOf(deps, 'compile')), undefined);
	await tick(40);
	await ready(pool);
	t.true(removed.includes(made.find(name => name.startsWith('ahead-70000-compile'))!));
	t.truthy(pool.take('compile', users[0]!, limitsOf(deps, 'compile')), 'the new one');
	await pool.close();
});

test('launchers that keep failing to start are tried later and later, and logged at the 1st, 2nd, 4th… failure in a row only', async t => {
	const {deps, refuse} = setup();
	const {logger, entries} = recordingLogger();
	refuse.now = true;
	const pool = new LauncherPool({...deps, logger}, users.slice(0, 1), alwaysIdle);
	// One slot, two steps: five failures each (the fifth some 0.9 s after the first).
	for (const deadline = Date.now() + 15_000; Date.now() < deadline && refuse.tries < 10;) {
		await tick(5);
	}

	t.true(refuse.tries >= 10, `${refuse.tries} tries`);
	const said = entries.filter(entry => entry['msg'] === 'could not start a launcher ahead of its job');
	for (const step of ['compile', 'run']) {
		t.deepEqual(said.filter(entry => entry['step'] === step).map(entry => entry['failures']).slice(0, 4), [1, 2, 4], step);
	}

	refuse.now = false;
	// The next try of a step that failed six times in a row comes 1.9 s later.
	for (const deadline = Date.now() + 15_000; Date.now() < deadline && pool.waiting < 2;) {
		await tick(5);
	}

	t.truthy(pool.take('run', users[0]!, limitsOf(deps, 'run')), 'started again once the host allows it');
	await pool.close();
});

test('close tells every waiting launcher no, removes every cgroup, and starts none after, not even a replacement due', async t => {
	const {deps, made, removed, told} = setup();
	const pool = new LauncherPool(deps, users, alwaysIdle);
	await ready(pool);
	const taken = pool.take('run', users[0]!, limitsOf(deps, 'run'))!;
	await pool.close();
	t.deepEqual(told.map(entry => entry.command), [null, null, null], 'the three still waiting, told no');
	t.is(removed.length, 3);
	await tick(80);
	t.is(made.length, 4, 'no replacement for the one taken');
	t.is(pool.waiting, 0);
	// The one taken is its step's to finish.
	await taken.go(null);
	await taken.cgroup.remove();
	t.is(removed.length, 4);
});

test('close removes every waiting launcher\'s cgroup and job directory, even one whose run failed', async t => {
	const {deps, made, removed, jobRoot} = setup();
	let failing = 0;
	const failingOne: JobDeps = {
		...deps,
		async sandbox(options) {
			const run = await deps.sandbox!(options);
			// The first launcher told no: its run fails instead of ending (bwrap could not be waited for, say).
			if (run.declined === true && failing++ === 0) {
				throw new Error('the sandbox could not be waited for');
			}

			return run;
		},
	};
	const pool = new LauncherPool(failingOne, users, alwaysIdle);
	await ready(pool);
	await pool.close();
	t.is(failing, 4, 'every one was told no');
	t.deepEqual([...removed].sort(), [...made].sort(), 'every cgroup removed, the failed one\'s too');
	t.deepEqual(fs.readdirSync(jobRoot).filter(name => name.startsWith('c_exec_')), [], 'and every job directory');
});

test('a sandbox made ahead that its command never reached (unsent): the step makes its own and runs there', async t => {
	const {deps, made, removed, told} = setup();
	const gone: JobCgroup = {
		launchArgs: ['ahead-gone'],
		memoryMb: deps.profiles.run.limits.memoryMb,
		setMemoryLimit() {},
		async read() {
			throw new Error('a cgroup whose sandbox never ran is not read');
		},
		async remove() {
			removed.push('ahead-gone');
		},
	};
	const unsent: SandboxRun = {stdout: Buffer.from(''), stderr: Buffer.from('killed'), report: null, overflowed: null, backstopFired: false, canceled: false, durationMs: 1, unsent: true};
	const launcher: StartedLauncher = {cgroup: gone, limits: deps.profiles.run.limits, ended: false, settled: Promise.resolve(), go: async () => unsent, async discard() {}};
	const dir = path.join(deps.config.jobRoot, 'c_exec_00000000-0000-4000-8000-000000000000');
	const run = await sandboxStep(deps.profiles.run, {dir, files: [`${dir}/source`], argv: [`${dir}/source`]}, users[0]!, deps, new AbortController().signal, {made: launcher});
	t.is(run.unsent, undefined);
	t.deepEqual(removed, ['ahead-gone', made[0]], 'the gone one\'s cgroup, then the new one\'s');
	t.is(told.length, 1, 'one command, to the sandbox the step made');
	t.is(told[0]!.command!.args[0], '--unshare-user', 'bwrap\'s whole command: a new sandbox');
});

test('a compile sandbox made ahead whose sources cannot be written: it is told no, its job directory and cgroup go', async t => {
	const {deps, made, removed, told} = setup();
	const pool = new LauncherPool(deps, users, alwaysIdle);
	await ready(pool);
	const compile = made.find(name => name.startsWith('ahead-70000-compile'))!;
	// A name the job directory already holds: `wx` refuses it.
	const program = {...programFromCode('int main(void) { return 0; }'), files: [{name: '.owner', content: 'x'}]};
	const jobDirs = () => fs.readdirSync(deps.config.jobRoot).filter(name => name.startsWith('c_exec_'));
	const before = jobDirs();
	await t.throwsAsync(compileProgram(program, {user: users[0]!, deps: {...deps, launchers: pool}, signal: new AbortController().signal}), {code: 'EEXIST'});
	t.true(removed.includes(compile), 'its cgroup');
	t.true(told.some(entry => entry.command === null), 'told no');
	t.is(before.filter(name => !jobDirs().includes(name)).length, 1, 'its job directory, of the four made ahead');
	await pool.close();
});

test('a replacement started from a job\'s step is started outside that job: it leaves nothing in the job\'s clean-ups, nor they in it', async t => {
	const {deps} = setup();
	// What the pool's start runs leaves a clean-up to see where it lands: at once (outside any job), or in the list
	// of the job running (whose closures the sandbox waiting for the next job would then keep alive).
	const landed: string[] = [];
	const probed: JobDeps = {
		...deps,
		async sandbox(options) {
			let ran = false;
			await afterAnswer(async () => {
				ran = true;
			});
			landed.push(ran ? 'at once' : 'in a job');
			return deps.sandbox!(options);
		},
	};
	const pool = new LauncherPool(probed, users, alwaysIdle);
	await ready(pool);
	t.deepEqual(landed, ['at once', 'at once', 'at once', 'at once']);
	await answerFirst(async () => {
		const taken = pool.take('compile', users[0]!, limitsOf(deps, 'compile'))!;
		await taken.discard();
		// The job is still running when its step's replacement starts.
		await tick(refillSettleMs);
		await ready(pool);
	}, {finishing() {}, release() {}}, pino({level: 'silent'}));
	t.is(pool.waiting, 4);
	t.deepEqual(landed, ['at once', 'at once', 'at once', 'at once', 'at once']);
	await pool.close();
});
