// The orchestration of a job — job directories, slots, the compile and run steps, cancellation — against a fake
// sandbox (JobDeps.sandbox), in milliseconds. What a sandbox does is proven through the real one elsewhere
// (test/integration/); here only what runJob, the runner and the judge do around it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {pino} from 'pino';
import test from 'ava';
import {loadConfig} from '../../src/config.ts';
import {programFromCode} from '../../src/job/language.ts';
import {runJob, type JobDeps} from '../../src/job/run-job.ts';
import {BusyError} from '../../src/job/errors.ts';
import {Slots, type AcquireOptions} from '../../src/job/slots.ts';
import {currentOwner} from '../../src/job/workspace.ts';
import {parseJudgeRequest} from '../../src/judge/parse-judge.ts';
import {runJudge} from '../../src/judge/run-judge.ts';
import {createRunner, judgePermits} from '../../src/runner.ts';
import {compileProfile, runProfile} from '../../src/sandbox/profiles.ts';
import type {HostLayout} from '../../src/sandbox/host-layout.ts';
import type {CgroupBackend} from '../../src/sandbox/cgroup.ts';
import type {SandboxCommand, SandboxRun, SpawnOptions} from '../../src/sandbox/spawn.ts';
import type {HelperReport} from '../../src/sandbox/report.ts';

type Step = 'ok' | 'fail' | 'throw' | 'hang';

const report = (fields: Partial<HelperReport> = {}): HelperReport => ({
	execErrno: 0, exited: true, exitCode: 0, signal: 0, timedOut: false, cpuExceeded: false, cpuMs: 1, wallMs: 2, maxRssKb: 900, peakVmKb: 0, memoryExceeded: false, ...fields,
});
const finished = (fields: Partial<SandboxRun> = {}): SandboxRun => ({
	stdout: Buffer.from(''), stderr: Buffer.from(''), report: report(), overflowed: null, backstopFired: false, canceled: false, durationMs: 3, ...fields,
});

/** A sandbox that runs nothing: the compile step leaves a program file, the run step answers as told. */
class FakeSandbox {
	readonly steps: Array<'compile' | 'run'> = [];
	readonly compile: Step;
	readonly run: Step | ((index: number) => Step);

	constructor(compile: Step, run: Step | ((index: number) => Step)) {
		this.compile = compile;
		this.run = run;
	}

	readonly start = async (options: SpawnOptions): Promise<SandboxRun> => {
		// No job cgroups here, so no launcher: the command is given at once.
		const {args} = options.command as SandboxCommand;
		const dir = args[args.indexOf('--chdir') + 1]!;
		const kind = args.includes('/usr/bin/gcc') ? 'compile' : 'run';
		const index = this.steps.filter(step => step === kind).length;
		this.steps.push(kind);
		const step = kind === 'compile' ? this.compile : (typeof this.run === 'function' ? this.run(index) : this.run);
		if (step === 'throw') {
			throw new Error(`the ${kind} sandbox could not start`);
		}

		if (step === 'hang') {
			// As the real one: a signal aborted already stops it at once.
			if (!options.signal.aborted) {
				await new Promise(resolve => {
					options.signal.addEventListener('abort', resolve, {once: true});
				});
			}

			return finished({report: null, canceled: true});
		}

		if (kind === 'compile' && step === 'ok') {
			fs.writeFileSync(path.join(dir, 'source'), 'a program');
		}

		return step === 'ok'
			? finished({stdout: Buffer.from(kind === 'run' ? '10' : '')})
			: finished({stderr: Buffer.from('source.c:1:1: error: expected something\n'), report: report({exitCode: 1})});
	};
}

const layout: HostLayout = {links: [{path: '/lib', target: 'usr/lib'}], dirs: [], usrLib64: false, usrLocal: false};

/** Every job root the tests made: removed at the end even after a failed test, which never reached its leftovers(). */
const roots: string[] = [];
test.after.always(() => {
	for (const root of roots) {
		fs.rmSync(root, {recursive: true, force: true});
	}
});

function setup(sandbox: FakeSandbox) {
	const jobRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'c-runner-test-'));
	roots.push(jobRoot);
	const config = loadConfig({C_RUNNER_JOB_ROOT: jobRoot, C_RUNNER_CONCURRENCY: '2', C_RUNNER_JUDGE_PARALLEL: '2'});
	const deps: JobDeps = {
		config,
		profiles: {compile: compileProfile(layout, config.compile), run: runProfile(layout, config.run)},
		owner: currentOwner(),
		logger: pino({level: 'silent'}),
		sandbox: sandbox.start,
	};
	const slots = new Slots([null, null], 4);
	return {
		deps,
		slots,
		runner: createRunner(deps, slots),
		jobDirs: () => fs.readdirSync(jobRoot).filter(name => name.startsWith('c_exec_')),
		/** Job directories left, then the root removed. */
		leftovers() {
			const names = fs.readdirSync(jobRoot);
			fs.rmSync(jobRoot, {recursive: true, force: true});
			return names;
		},
	};
}

/** Job cgroups that exist nowhere: each job's reads fixed figures, and its removal is told to `remove`. */
const fakeCgroups = (remove: (name: string) => void): CgroupBackend => ({
	name: 'cgroup-v1',
	dirs: {memory: '/nonexistent/memory', pids: '/nonexistent/pids', cpuacct: '/nonexistent/cpuacct'},
	memsw: true,
	async createJob(name, _user, limits) {
		return {
			launchArgs: [],
			memoryMb: limits.memoryMb,
			setMemoryLimit() {},
			read: async () => ({cpuMs: 1, peakKb: 900, oomKills: 0, failcnt: 0}),
			async remove() {
				remove(name);
			},
		};
	},
	async close() {},
});

const request = {program: programFromCode('int main(void) { return 0; }'), args: [], stdin: null, limits: {timeLimitMs: null, memoryLimitMb: null}};

test('a job: compile, then run, in one job directory that is gone after the answer; the slot is free again then', async t => {
	const sandbox = new FakeSandbox('ok', 'ok');
	const {runner, slots, jobDirs, leftovers} = setup(sandbox);
	const result = await runner.execute(request, new AbortController().signal);
	t.like(result, {status: 'ok', output: '10', exit_code: 0});
	t.deepEqual(sandbox.steps, ['compile', 'run']);
	// The answer comes first: its job directory goes after it, and the slot is held until it has gone.
	t.is(slots.stats.running, 1, 'the slot is held while the job\'s clean-ups run');
	t.is(jobDirs().length, 1, 'the job directory is still there when the answer comes');
	await slots.whenIdle();
	t.is(slots.stats.running, 0);
	t.deepEqual(leftovers(), []);
});

test('one slot and no queue: a request sent as soon as the last one is answered waits for its clean-ups, never a 503', async t => {
	const sandbox = new FakeSandbox('ok', 'ok');
	const {deps, jobDirs, leftovers} = setup(sandbox);
	const slots = new Slots([null], 0);
	const runner = createRunner(deps, slots);
	t.like(await runner.execute(request, new AbortController().signal), {status: 'ok'});
	// At once, while the first job's directory is still there and its slot held.
	t.is(jobDirs().length, 1);
	const next = runner.execute(request, new AbortController().signal);
	await t.throwsAsync(runner.execute(request, new AbortController().signal), {instanceOf: BusyError}, 'one request waits for the finishing slot, no more');
	t.like(await next, {status: 'ok'});
	await slots.whenIdle();
	t.deepEqual(leftovers(), []);
});

test('a compile error: no run step, gcc\'s text, the directory gone after the answer', async t => {
	const sandbox = new FakeSandbox('fail', 'ok');
	const {runner, slots, leftovers} = setup(sandbox);
	const result = await runner.execute(request, new AbortController().signal);
	t.like(result, {status: 'compile_error', exit_code: 1, error: 'source.c:1:1: error: expected something\n'});
	t.deepEqual(sandbox.steps, ['compile']);
	await slots.whenIdle();
	t.deepEqual(leftovers(), []);
});

for (const [name, sandbox] of [['the compile step', new FakeSandbox('throw', 'ok')], ['the run step', new FakeSandbox('ok', 'throw')]] as const) {
	test(`${name} throws: the error goes up, the job directory is removed and the slot released`, async t => {
		const {runner, slots, leftovers} = setup(sandbox);
		await t.throwsAsync(runner.execute(request, new AbortController().signal), {message: /sandbox could not start/});
		await slots.whenIdle();
		t.is(slots.stats.running, 0);
		t.deepEqual(leftovers(), []);
	});
}

test('a client gone mid-run: the job ends with the reason, nothing left', async t => {
	const {deps, leftovers} = setup(new FakeSandbox('ok', 'hang'));
	const client = new AbortController();
	const job = runJob(request, {user: null, deps, signal: client.signal});
	setTimeout(() => client.abort(new Error('client closed the connection')), 30);
	await t.throwsAsync(job, {message: 'client closed the connection'});
	t.deepEqual(leftovers(), []);
});

test('a judge whose client leaves after the first result cancels every other test case; no directory, no slot left', async t => {
	// The first test case answers, the others hang until cancelled.
	const sandbox = new FakeSandbox('ok', index => index === 0 ? 'ok' : 'hang');
	const {deps, slots, leftovers} = setup(sandbox);
	const judge = parseJudgeRequest({code: 'int main(void) { return 0; }', testcases: Array.from({length: 6}, () => ({output: '10'}))}, deps.config.judge);
	const client = new AbortController();
	const results: unknown[] = [];
	const judging = runJudge(judge, deps, slots, client.signal, {
		result(result) {
			results.push(result);
			client.abort(new Error('client closed the connection'));
		},
	});
	await t.throwsAsync(judging, {message: 'client closed the connection'});
	t.is(results.length, 1);
	t.true(sandbox.steps.filter(step => step === 'run').length <= 1 + deps.config.judge.parallel, `runs started: ${sandbox.steps.length - 1}`);
	t.is(slots.stats.running, 0);
	t.is(slots.stats.queued, 0);
	t.deepEqual(leftovers(), []);
});

test('judge requests past their wait are C_RUNNER_JUDGES at most: the next waits before its compile, the one after is refused; a waiting one cancelled leaves nothing', async t => {
	// Every test case hangs until its judge is cancelled.
	const sandbox = new FakeSandbox('ok', 'hang');
	const {deps, slots, leftovers} = setup(sandbox);
	const judges = judgePermits({judge: {...deps.config.judge, concurrent: 1}, queueLength: 1});
	const runner = createRunner(deps, slots, judges);
	const judge = parseJudgeRequest({code: 'int main(void) { return 0; }', testcases: [{output: '10'}]}, deps.config.judge);
	const first = new AbortController();
	const second = new AbortController();
	const running = runner.judge(judge, first.signal);
	const waiting = runner.judge(judge, second.signal);
	await t.throwsAsync(runner.judge(judge, new AbortController().signal), {
		instanceOf: BusyError,
		message: 'Server is busy: 1 judge requests are running and 1 wait (C_RUNNER_JUDGES, C_RUNNER_QUEUE_LENGTH); retry later',
	});
	t.like(judges.stats, {capacity: 1, running: 1, queued: 1});
	// The first compiles and its test case runs (and hangs); the second never took a slot.
	while (!sandbox.steps.includes('run')) {
		await new Promise(resolve => setTimeout(resolve, 5));
	}

	t.deepEqual(sandbox.steps, ['compile', 'run']);
	second.abort(new Error('client closed the connection'));
	await t.throwsAsync(waiting, {message: 'client closed the connection'});
	t.like(judges.stats, {running: 1, queued: 0});
	first.abort(new Error('client closed the connection'));
	await t.throwsAsync(running, {message: 'client closed the connection'});
	t.like(judges.stats, {running: 0, queued: 0});
	t.is(slots.stats.running, 0);
	t.deepEqual(leftovers(), []);
});

test('a judge request is refused at once or answered whole: one let into the judges\' queue is admitted while it waits there, and its compile then waits for a slot however full the queue', async t => {
	// The /execute_c job's run (the first run) holds the one slot until it is cancelled; the judge's test case answers.
	const sandbox = new FakeSandbox('ok', index => index === 0 ? 'hang' : 'ok');
	const {deps, leftovers} = setup(sandbox);
	const slots = new Slots([null], 0);
	const told: string[] = [];
	let letIn!: () => void;
	const gate = new Promise<void>(resolve => {
		letIn = resolve;
	});
	// Permits that always make the caller wait, until the test lets it in.
	const permits = {
		async acquire(_signal: AbortSignal, options: AcquireOptions = {}) {
			options.onQueued?.();
			await gate;
			return {index: 0, user: null, release: () => told.push('permit released')};
		},
	} as unknown as Slots;
	const holder = new AbortController();
	const executing = createRunner(deps, slots, permits).execute(request, holder.signal);
	while (!sandbox.steps.includes('run')) {
		await new Promise(resolve => setTimeout(resolve, 5));
	}

	const judge = parseJudgeRequest({code: 'int main(void) { return 0; }', testcases: [{output: '10'}]}, deps.config.judge);
	const never = new AbortController().signal;
	// The control: a judge request given its permit at once is refused, before anything, for the full queue.
	await t.throwsAsync(createRunner(deps, slots).judge(judge, never, {admitted: () => told.push('admitted at once')}), {instanceOf: BusyError});
	t.deepEqual(told, []);
	const judging = createRunner(deps, slots, permits).judge(judge, never, {admitted: () => told.push('admitted'), result: () => told.push('result')});
	t.deepEqual(told, ['admitted'], 'admitted as soon as it waits for its turn');
	letIn();
	let refused: unknown = null;
	judging.catch((error: unknown) => {
		refused = error;
	});
	while (slots.stats.queued === 0 && refused === null) {
		await new Promise(resolve => setTimeout(resolve, 5));
	}

	t.is(refused, null);

	t.like(slots.stats, {running: 1, queued: 1, queueLength: 0}, 'its compile waits for the slot past the queue\'s length');
	holder.abort(new Error('client closed the connection'));
	await t.throwsAsync(executing, {message: 'client closed the connection'});
	t.like(await judging, {passed: true, summary: {passed: 1, total: 1}});
	t.deepEqual(told, ['admitted', 'result', 'permit released']);
	t.like(slots.stats, {running: 0, queued: 0});
	t.deepEqual(leftovers(), []);
});

test('steps answered at their helper\'s report: the answer does not wait for the sandboxes\' end; their job directories and cgroups go only after it', async t => {
	let over!: () => void;
	let ended!: Promise<void>;
	const sandbox = new FakeSandbox('ok', 'ok');
	// Each step answered at its report, its sandbox over only when the test says (bwrap and the helper still exiting).
	const atReport = async (options: SpawnOptions): Promise<SandboxRun> => {
		t.true(options.answerAtReport, 'asked of every step that does not stream');
		const command = await options.command;
		return command === null ? finished({report: null, declined: true}) : {...await sandbox.start({...options, command}), ended};
	};
	const removals: string[] = [];
	const cgroups = fakeCgroups(name => {
		removals.push(name);
	});
	for (const withCgroups of [false, true]) {
		ended = new Promise<void>(resolve => {
			over = resolve;
		});
		const {deps, slots, jobDirs, leftovers} = setup(sandbox);
		const runner = createRunner({...deps, sandbox: atReport, ...(withCgroups ? {cgroups} : {})}, slots);
		t.like(await runner.execute(request, new AbortController().signal), {status: 'ok', output: '10'});
		await new Promise(resolve => setTimeout(resolve, 50));
		t.is(jobDirs().length, 1, 'the job directory stays while its sandboxes are not over');
		t.deepEqual(removals, [], 'and so do their cgroups');
		let idle = false;
		void slots.whenIdle().then(() => {
			idle = true;
		});
		await new Promise(resolve => setTimeout(resolve, 20));
		t.false(idle, 'the slot is held meanwhile');
		over();
		await slots.whenIdle();
		t.deepEqual(jobDirs(), [], 'gone once they are over');
		t.is(removals.length, withCgroups ? 2 : 0, 'each step\'s cgroup gone then');
		t.deepEqual(leftovers(), []);
	}
});

test('a step\'s cgroup that cannot be removed is logged, never the answer: /execute_c, a judge, and a job on its own (the start-up self-test)', async t => {
	const sandbox = new FakeSandbox('ok', 'ok');
	const {deps, slots, leftovers} = setup(sandbox);
	const warnings: string[] = [];
	const logger = pino({level: 'warn'}, {write: (line: string) => warnings.push(String((JSON.parse(line) as {err?: {message?: string}}).err?.message))});
	const removals: string[] = [];
	const cgroups = fakeCgroups(name => {
		removals.push(name);
		throw Object.assign(new Error(`EBUSY: resource busy or locked, rmdir '${name}'`), {code: 'EBUSY'});
	});
	// With job cgroups every step has a launcher, told its command once the job has its files.
	const withLauncher = async (options: SpawnOptions): Promise<SandboxRun> => {
		const command = await options.command;
		return command === null ? finished({report: null, declined: true}) : sandbox.start({...options, command});
	};
	const withCgroups: JobDeps = {...deps, logger, cgroups, sandbox: withLauncher};
	const runner = createRunner(withCgroups, slots);
	const never = new AbortController().signal;
	t.like(await runner.execute(request, never), {status: 'ok', output: '10'});
	await slots.whenIdle();
	const judge = parseJudgeRequest({code: 'int main(void) { return 0; }', testcases: [{output: '10'}]}, deps.config.judge);
	t.like(await runner.judge(judge, never), {passed: true});
	t.like(await runJob(request, {user: null, deps: withCgroups, signal: never}), {status: 'ok', output: '10'});
	await slots.whenIdle();
	t.is(removals.length, 6, 'each step\'s cgroup was to go: compile and run, three jobs');
	t.deepEqual(warnings, removals.map(name => `EBUSY: resource busy or locked, rmdir '${name}'`));
	t.deepEqual(leftovers(), []);
});
