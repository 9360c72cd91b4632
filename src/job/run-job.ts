import {randomUUID} from 'node:crypto';
import {accessSync, constants as fsConstants, statfsSync} from 'node:fs';
import path from 'node:path';
import type {Logger} from 'pino';
import type {Config, SandboxLimits} from '../config.ts';
import {bwrapArgs, helperCommand, type SandboxJob} from '../sandbox/bwrap-args.ts';
import type {CgroupBackend, JobCgroup} from '../sandbox/cgroup.ts';
import type {SandboxProfile} from '../sandbox/profiles.ts';
import {spawnSandbox, type SandboxCommand, type SandboxRun, type SandboxUser, type SpawnOptions, type StreamingIo} from '../sandbox/spawn.ts';
import type {LauncherPool} from './launchers.ts';
import {afterAnswer} from './after-answer.ts';
import {TextBudget} from './answer-size.ts';
import {cleanUpAfterFailure, cleanUpAfterJob, JobRootError} from './errors.ts';
import {staticMemoryKb} from './elf.ts';
import type {ExecuteRequest, RequestedLimits} from './parse-request.ts';
import {classifyCompile, programNotStarted, wroteNoProgram, type CompileOutcome} from './classify.ts';
import {cutFrom, sameBytes, toCompileErrorResult, toRunResult, type ExecuteResult} from './result.ts';
import {binaryName, copyProgram, createWorkspace, fillRunPlaceholders, writeRunPlaceholders, writeSources, writeStdin, type Owner, type Workspace} from './workspace.ts';
import type {CacheEntry, CompileCache} from './compile-cache.ts';
import {compileArgv, type Program} from './language.ts';
import {recordStage, timed} from './timings.ts';
import type {JobEvents} from '../metrics.ts';

/** How long the server waits past a helper's own wall limit before it kills the sandbox itself. */
const backstopGraceMs = 5000;

export interface JobDeps {
	readonly config: Config;
	readonly profiles: {readonly compile: SandboxProfile; readonly run: SandboxProfile};
	readonly owner: Owner;
	readonly logger: Logger;
	/** Job cgroups, where the host offers them; absent: the helper's sampling and rlimits only. */
	readonly cgroups?: CgroupBackend | null;
	/** Compile results by content; absent or null: every request compiles. */
	readonly compileCache?: CompileCache | null;
	/** Sandboxes made ahead of their jobs, per slot and step; absent: each step makes its own. */
	readonly launchers?: LauncherPool | null;
	/** Told of each compile that ran, each run and each sandbox that failed (the metrics). */
	readonly events?: JobEvents;
	/**
	 * What starts one sandbox: `spawnSandbox` (bwrap), unless told otherwise. The seam where the orchestration — job
	 * directories, slots, cancellation — is tested in milliseconds against a fake; sandbox behaviour is tested through
	 * the real one.
	 */
	readonly sandbox?: (options: SpawnOptions) => Promise<SandboxRun>;
}

/** A step's launcher, started: it joins its job cgroup (or already has) and waits for its command. */
export interface StartedLauncher {
	readonly cgroup: JobCgroup;
	/**
	 * The limits its cgroup (and, made ahead, its sandbox's tmpfs mounts) were made with; the memory limit may still be
	 * set anew before the command, which carries the step's other limits.
	 */
	readonly limits: SandboxLimits;
	/** Sends the command, or null: the launcher ends with no sandbox ever made. The run, once it has ended. */
	go(command: SandboxCommand | null): Promise<SandboxRun>;
	/** The launcher is gone (reaped: it ran its command, was told no, failed, or was killed). */
	readonly ended: boolean;
	/** Resolved once its step is over: the sandbox has ended (or never was). */
	readonly settled: Promise<void>;
	/**
	 * For a sandbox made ahead of its job: its job directory, already bound in it — empty but for the owner mark (a
	 * compile), or holding the empty program and stdin files the sandbox binds (a run).
	 */
	readonly workspace?: Workspace;
	/** Not needed after all: told no, its cgroup (and job directory) removed. */
	discard(): Promise<void>;
}

/**
 * Makes a step's job cgroup and starts its launcher in it, as `user`, waiting for its command. `signal` stops it
 * whatever its command: the job's own, or the shutdown's for a launcher started ahead of its job.
 */
export async function startLauncher(
	profile: Pick<SandboxProfile, 'name' | 'limits'>,
	name: string,
	user: SandboxUser | null,
	deps: JobDeps,
	signal: AbortSignal,
	// A sandbox made ahead: its bwrap arguments, made once the cgroup is (so its job directory is never there without it).
	io: {readonly streaming?: StreamingIo; readonly madeAhead?: () => Promise<readonly string[]>} = {},
): Promise<StartedLauncher> {
	const {streaming} = io;
	const cgroup = await deps.cgroups!.createJob(name, user, profile.limits);
	let send!: (command: SandboxCommand | null) => void;
	const command = new Promise<SandboxCommand | null>(resolve => {
		send = resolve;
	});
	let running: Promise<SandboxRun>;
	let ended = false;
	try {
		const madeAhead = await io.madeAhead?.();
		running = (deps.sandbox ?? spawnSandbox)({
			bwrapPath: deps.config.bwrapPath,
			command,
			user,
			outputBytes: deps.config.outputBytes,
			signal,
			...(streaming ? {streaming} : {}),
			...(madeAhead ? {madeAhead} : {}),
			// A streaming run's end is its pipes' (see spawnSandbox); the others answer at the helper's report.
			answerAtReport: !streaming,
			launcher: {path: deps.config.launcherPath, args: cgroup.launchArgs},
			onExit() {
				ended = true;
			},
		});
	} catch (error) {
		await cleanUpAfterFailure(async () => cgroup.remove());
		throw error;
	}

	// Awaited by go; a failure before it is go's to see. Settled once the sandbox is over, not at its answer: its cgroup
	// can go only then.
	const over = running.then(async run => run.ended);
	const settled = over.then(() => {
		ended = true;
	}, () => {
		ended = true;
	});
	return {
		settled,
		cgroup,
		limits: profile.limits,
		get ended() {
			return ended;
		},
		async go(next: SandboxCommand | null) {
			send(next);
			return running;
		},
		async discard() {
			send(null);
			await settled;
			await cgroup.remove();
		},
	};
}

/** What a run sandbox binds from its job directory: the program, and the stdin file (the helper opens it, if asked). */
const runSandboxJob = (workspace: Workspace, input: Pick<RunInput, 'args' | 'stdin' | 'files'>) => ({
	dir: workspace.dir,
	files: [workspace.binaryPath, ...input.files ?? []],
	stdinFile: workspace.stdinPath,
	openStdin: input.stdin !== null,
	argv: [workspace.binaryPath, ...input.args],
});

/**
 * A sandbox made ahead of its job, for a slot: a new job directory, bwrap with every mount of the step's profile made,
 * the helper waiting for the step's command (`--command-fd`). A compile's directory is empty: the job writes its
 * sources into it. A run's holds its program and stdin files, empty and already bound: the job writes into them.
 */
export async function startSandboxAhead(step: 'compile' | 'run', name: string, user: SandboxUser, deps: JobDeps, signal: AbortSignal): Promise<StartedLauncher> {
	const profile = deps.profiles[step];
	let workspace: Workspace | undefined;
	try {
		const launcher = await startLauncher(profile, name, user, deps, signal, {
			async madeAhead() {
				workspace = await createWorkspace(deps.config.jobRoot, deps.owner, user, {files: []});
				let files: Pick<SandboxJob, 'dir' | 'files'> = {dir: workspace.dir, files: []};
				if (step === 'run') {
					await writeRunPlaceholders(workspace, user);
					files = runSandboxJob(workspace, {args: [], stdin: null});
				}

				return bwrapArgs(profile, {...files, argv: [], helperPath: deps.config.helperPath, cgroup: true, commandLater: true});
			},
		});
		const made = workspace!;
		return Object.assign(launcher, {
			workspace: made,
			// The job directory goes before the cgroup: it is never there without it — unless it cannot go (a job root
			// read-only for a while), and then the cgroup goes all the same: kept, it outlived the server, whose own
			// cgroups could then not be removed at shutdown; the directory is the next start-up sweep's.
			async discard() {
				// A run that failed is no reason to keep its directory or cgroup.
				await launcher.go(null).catch(() => {});
				try {
					await made.dispose();
				} finally {
					await launcher.cgroup.remove();
				}
			},
		});
	} catch (error) {
		await cleanUpAfterFailure(async () => workspace?.dispose());
		throw error;
	}
}

/** One sandboxed step; `streaming` for an interactive run (stdin a pipe, output handed on as it comes). */
export async function sandboxStep(
	profile: SandboxProfile,
	job: Omit<SandboxJob, 'helperPath'>,
	user: SandboxUser | null,
	deps: JobDeps,
	signal: AbortSignal,
	// What only some steps have: an interactive run's pipes, the go of a run step started ahead, or the sandbox made
	// ahead of this step, whose helper takes the command itself.
	extra: {readonly streaming?: StreamingIo; readonly gate?: Promise<boolean>; readonly made?: StartedLauncher} = {},
): Promise<SandboxRun> {
	const {streaming, gate, made} = extra;
	const command = (): SandboxCommand => ({
		args: made ? helperCommand(profile, {...job, cgroup: Boolean(deps.cgroups)}) : bwrapArgs(profile, {...job, helperPath: deps.config.helperPath, cgroup: Boolean(deps.cgroups)}),
		backstopMs: profile.limits.wallMs + backstopGraceMs,
		signal,
	});
	if (!deps.cgroups) {
		const run = await (deps.sandbox ?? spawnSandbox)({
			bwrapPath: deps.config.bwrapPath,
			command: command(),
			user,
			outputBytes: deps.config.outputBytes,
			signal,
			answerAtReport: !streaming,
			...(streaming ? {streaming} : {}),
		});
		// Answered at its report: the job directory goes once the sandbox is over (the clean-ups run in order).
		const {ended} = run;
		if (ended) {
			await afterAnswer(async () => ended);
		}

		return finishStep(profile, run, deps, signal);
	}

	// With job cgroups every step has a launcher, made before the job's first process: the sandbox made ahead of this
	// step, else a new one. Its cgroup is named for the job directory and step, with a suffix: two steps may share a
	// directory (a checker).
	const launcher = made ?? await timed(`${profile.name}_cgroup`, async () => startLauncher(
		profile, `${path.basename(job.dir)}-${profile.name}-${randomUUID().slice(0, 8)}`, user, deps, signal, streaming ? {streaming} : {}));
	let run: SandboxRun;
	let gone = false;
	try {
		if (gate !== undefined && !(await gate)) {
			return await launcher.go(null);
		}

		if (launcher.cgroup.memoryMb !== profile.limits.memoryMb) {
			launcher.cgroup.setMemoryLimit(profile.limits.memoryMb);
		}

		run = await launcher.go(command());
		if (run.declined) {
			return run;
		}

		// A sandbox made ahead that was gone before its command came (killed while it waited): nothing of the job ran.
		gone = made !== undefined && run.unsent === true;
		if (!gone) {
			run = {...run, cgroup: await timed(`${profile.name}_cgroup`, async () => launcher.cgroup.read())};
		}
	} catch (error) {
		// A launcher not yet told anything (a memory limit that could not be set) is told no, so it ends.
		void launcher.go(null).catch(() => {});
		throw error;
	} finally {
		// Logged, never the step's outcome, after an answer or at once (a judge's test case, the start-up self-test): a
		// cgroup that cannot go is the instance's removal's at exit, and the step's own result or failure stands.
		await afterAnswer(async () => cleanUpAfterJob(deps.logger, async () => {
			// Once the sandbox is over: until then bwrap and the helper are in the cgroup.
			await launcher.settled;
			await timed(`${profile.name}_cgroup`, async () => launcher.cgroup.remove());
		}));
	}

	if (gone) {
		deps.logger.warn({step: profile.name, stderr: run.stderr.toString('utf8').slice(0, 2000)}, 'a sandbox made ahead was gone when its job came: the step makes its own');
		return sandboxStep(profile, job, user, deps, signal, streaming ? {streaming} : {});
	}

	return finishStep(profile, run, deps, signal);
}

/** What every step's run goes through: its stages recorded, a cancellation rethrown, a failed sandbox counted. */
function finishStep(profile: SandboxProfile, run: SandboxRun, deps: JobDeps, signal: AbortSignal): SandboxRun {
	// What is not the command itself: bwrap's namespaces and mounts, the helper's set-up, exit and reaping (from
	// the command sent, for a step whose launcher was started ahead).
	const commandMs = run.report?.wallMs ?? 0;
	recordStage(`${profile.name}_sandbox`, run.durationMs - commandMs);
	recordStage(profile.name, commandMs);
	if (run.canceled) {
		throw signal.reason;
	}

	if (run.backstopFired) {
		// The helper ends a step at its wall limit; the server's backstop, past a grace, only when it did not: a helper
		// that hangs or is starved, whose answer (a time limit) alone would not say so.
		deps.logger.warn({step: profile.name, wallMs: profile.limits.wallMs, durationMs: Math.round(run.durationMs)}, 'a sandbox outlived its wall limit and was stopped from outside: its helper did not end it');
	}

	// No report although the server stopped nothing and the kernel killed nothing for memory: bwrap or the helper failed
	// (a run's program that could not be started is its own outcome).
	const failed = run.report === null || (run.report.execErrno !== 0 && !(profile.name === 'run' && programNotStarted(run)));
	if (failed && !run.backstopFired && run.overflowed === null && !(run.cgroup?.oomKills)) {
		deps.events?.sandboxFailed?.(profile.name);
	}

	return run;
}

/** The longest wall-clock limit a run can have: the default's, or what the longest requested CPU time gives. */
export const maxWallMs = (config: Pick<Config, 'run' | 'runMax'>) => Math.max(config.run.wallMs, (2 * config.runMax.cpuMs) + 1000);

/**
 * The run limits for one request: the server's defaults, or what it asked for, lowered to the server's maxima. A
 * requested CPU time sets the wall-clock limit to twice that plus a second, so a busy machine does not flip verdicts.
 * A requested wall-clock limit (the Piston and Judge0 routes) is taken as it is, up to the longest that a requested
 * CPU time could give; with no CPU time requested, the CPU limit is then no longer than it.
 */
export function runLimitsFor(config: Config, requested: RequestedLimits): SandboxLimits {
	const wallMs = requested.wallLimitMs === undefined ? null : Math.min(requested.wallLimitMs, maxWallMs(config));
	let cpuMs = requested.timeLimitMs === null ? config.run.cpuMs : Math.min(requested.timeLimitMs, config.runMax.cpuMs);
	if (requested.timeLimitMs === null && wallMs !== null) {
		cpuMs = Math.min(cpuMs, wallMs);
	}

	return {
		...config.run,
		cpuMs,
		wallMs: wallMs ?? (requested.timeLimitMs === null ? config.run.wallMs : (2 * cpuMs) + 1000),
		memoryMb: requested.memoryLimitMb === null ? config.run.memoryMb : Math.min(requested.memoryLimitMb, config.runMax.memoryMb),
		fileSizeMb: Math.min(requested.fileSizeMb ?? config.run.fileSizeMb, config.run.fileSizeMb),
		stackMb: Math.min(requested.stackMb ?? config.run.stackMb, config.run.stackMb),
		processes: Math.min(requested.processes ?? config.run.processes, config.run.processes),
	};
}

/** A compile's outcome and the job directory that holds the program; the caller disposes of the directory. */
export interface Compiled {
	readonly workspace: Workspace;
	readonly outcome: CompileOutcome;
	/** KiB of the program's load segments, for the memory rule; 0 when it did not compile. */
	readonly staticKb: number;
	/** The compile's result came from the compile cache: this request ran no compiler. */
	readonly cached: boolean;
}

/** Told when a compile is about to run in this job directory (not for a cache hit). */
type OnCompile = (workspace: Workspace) => void;

/** Whose job it is, with what, until when: what every step of one job takes. */
export interface JobContext {
	/** The host uid/gid its sandboxes run as (its slot's), or null for the server's own. */
	readonly user: SandboxUser | null;
	readonly deps: JobDeps;
	/** Aborted when the client goes, the server shuts down, or a judge stops its test cases. */
	readonly signal: AbortSignal;
}

async function compileInSandbox(program: Program, {user, deps, signal}: JobContext, onCompile?: OnCompile): Promise<Compiled> {
	// The slot's compile sandbox made ahead, when there is one: its job directory takes the sources.
	let made = deps.launchers?.take('compile', user, deps.profiles.compile.limits);
	if (made) {
		try {
			await timed('workspace', async () => writeSources(made!.workspace!, program.files, user));
		} catch (error) {
			await cleanUpAfterFailure(async () => made!.discard());
			if (!madeAheadDirGone(error, deps.logger, 'compile')) {
				throw error;
			}

			made = undefined;
		}
	}

	const workspace = made?.workspace ?? await createWorkspace(deps.config.jobRoot, deps.owner, user, {files: program.files});
	try {

		onCompile?.(workspace);
		const argv = compileArgv(program, binaryName, deps.config.linker);
		const started = performance.now();
		const compileRun = await sandboxStep(deps.profiles.compile, {dir: workspace.dir, files: [], argv}, user, deps, signal, made ? {made} : {});
		deps.events?.compiled?.(program, performance.now() - started);
		const outcome = classifyCompile(compileRun, deps.profiles.compile.limits);
		const hostFailure = outcome.ok ? null : jobRootFailed(outcome.diagnostics, workspace.dir, deps.profiles.compile.limits);
		if (hostFailure !== null) {
			// The host's failure, not the program's: a 503 to try again later, never a compile error, and never kept in the cache.
			const state = hostFailure === 'EROFS' ? 'read-only' : 'out of space';
			throw new JobRootError(`the job root is ${state}: the compiler could not write the program`, jobRootLines(outcome.diagnostics), hostFailure);
		}

		const staticKb = outcome.ok ? await staticMemoryKb(workspace.binaryPath) : 0;
		return staticKb === null
			? {workspace, outcome: wroteNoProgram(outcome), staticKb: 0, cached: false}
			: {workspace, outcome, staticKb, cached: false};
	} catch (error) {
		// A sandbox made ahead and never sent its command (writing the sources failed) is told no, and its cgroup goes
		// with its job directory (once its step ran, the cgroup is already gone).
		await cleanUpAfterFailure(async () => (made ? made.discard() : workspace.dispose()));
		throw error;
	}
}

/** Fewer free inodes than this on the job root, and a compile that ran out of space failed for want of them. */
const minFreeInodes = 16;

/**
 * The job root's failure behind a failed compile, where the linker writes the program; null when the failure is the
 * program's. Read-only (`EROFS`): "Read-only file system" in the diagnostics, and the job root read-only now (it
 * turned so during the compile). Out of space (`ENOSPC`): "No space left on device" on a line that names none of
 * gcc's files in the sandbox's own /tmp, and less room left there than a compile may write, or almost no inode. The
 * sandbox's own /tmp, where gcc writes its objects, is capped by the compile limits: a program filling that is the
 * program's compile error ("…/tmp/ccX.o: 'No space left on device'"), even on a job root with little room left — a
 * 503 would have it sent again and again.
 */
function jobRootFailed(diagnostics: string, dir: string, limits: SandboxLimits): 'ENOSPC' | 'EROFS' | null {
	if (diagnostics.includes('Read-only file system') && readOnly(dir)) {
		return 'EROFS';
	}

	// gcc's own files there are /tmp/cc<random>.o; a job directory (`c_exec_<uuid>`, on a job root at /tmp) is not one.
	const outOfSpace = diagnostics.split('\n').filter(line => line.includes('No space left on device'));
	if (outOfSpace.every(line => line.includes('/tmp/cc'))) {
		return null;
	}

	try {
		// Out of blocks, or out of inodes (the linker could not even make the program's file).
		const {bavail, bsize, ffree} = statfsSync(dir);
		return bavail * bsize < limits.fileSizeMb * 1024 * 1024 || ffree < minFreeInodes ? 'ENOSPC' : null;
	} catch {
		return null;
	}
}

/** Whether a directory's file system is mounted read-only. */
function readOnly(dir: string): boolean {
	try {
		accessSync(dir, fsConstants.W_OK);
		return false;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EROFS';
	}
}

/**
 * For the log, the diagnostics' lines that say the job root is full or read-only (the linker's: `ld: fatal error:
 * source: No space left on device`), a few and short: not the rest, where gcc quotes the program's source.
 */
const jobRootLines = (diagnostics: string): string => diagnostics.split('\n')
	.filter(line => /^\S.*(?:No space left on device|Read-only file system)/.test(line)).slice(-4).map(line => line.slice(0, 240)).join('\n');

/** What a promise gives, or the signal's reason thrown as soon as it is aborted. */
async function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
	signal.throwIfAborted();
	let onAbort = () => {};
	const aborted = new Promise<never>((_resolve, reject) => {
		onAbort = () => reject(signal.reason);
		signal.addEventListener('abort', onAbort, {once: true});
	});
	try {
		return await Promise.race([promise, aborted]);
	} finally {
		signal.removeEventListener('abort', onAbort);
	}
}

/** A cached compile in a new job directory: a copy of the program, or an empty directory for a compile error. */
async function fromCache(entry: CacheEntry, user: SandboxUser | null, deps: JobDeps): Promise<Compiled | null> {
	try {
		const content = entry.binary === null ? {files: []} : {binaryFrom: entry.binary};
		const workspace = await createWorkspace(deps.config.jobRoot, deps.owner, user, content);
		return {workspace, outcome: entry.outcome, staticKb: entry.staticKb, cached: true};
	} catch (error) {
		// Evicted between the lookup and the copy: compile it again.
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
			return null;
		}

		throw error;
	}
}

/**
 * A program compiled in a new job directory: from the compile cache when it holds this very compile, else by the
 * compiler in its sandbox (and then kept). While an identical compile is under way, this one waits for its result.
 */
export async function compileProgram(program: Program, job: JobContext, onCompile?: OnCompile): Promise<Compiled> {
	const {user, deps, signal} = job;
	const cache = deps.compileCache;
	if (!cache) {
		return compileInSandbox(program, job, onCompile);
	}

	const cacheStarted = performance.now();
	const key = cache.keyOf(program, compileArgv(program, binaryName, deps.config.linker));
	const pending = cache.pending(key);
	// An identical compile under way: its failure is this one's too (kept in the cache or not: one stopped by a limit
	// is not); after its success, the cache has the program, or (not kept: too large, a full disk) this one
	// compiles it beside the others that waited, never one after another. A client that leaves stops waiting.
	const failed = pending === undefined ? null : await untilAborted(pending, signal);
	if (failed !== null) {
		recordStage('cache', performance.now() - cacheStarted);
		cache.served(key, true);
		return {workspace: await createWorkspace(deps.config.jobRoot, deps.owner, user, {files: []}), outcome: failed, staticKb: 0, cached: true};
	}

	const entry = cache.lookup(key);
	recordStage('cache', performance.now() - cacheStarted);
	const hit = entry === undefined ? null : await fromCache(entry, user, deps);
	if (entry !== undefined) {
		cache.served(key, hit !== null);
	}

	if (hit !== null) {
		return hit;
	}

	const end = pending === undefined && cache.pending(key) === undefined ? cache.begin(key) : () => {};
	let compiled: Compiled;
	try {
		compiled = await compileInSandbox(program, job, onCompile);
	} catch (error) {
		end(null);
		throw error;
	}

	// Kept while the program runs, not before: its job directory goes only once the cache has read the program, and
	// an identical compile waiting for this one looks again only then.
	const stored = timed('cache', async () => cache.store(key, compiled.outcome, compiled.staticKb, compiled.outcome.ok ? compiled.workspace.binaryPath : null))
		.catch((error: unknown) => deps.logger.warn({err: String(error)}, 'could not keep a compile in the compile cache'))
		.finally(() => end(compiled.outcome.ok ? null : compiled.outcome));
	const {workspace} = compiled;
	return {
		...compiled,
		workspace: {
			...workspace,
			async dispose() {
				await stored;
				await workspace.dispose();
			},
		},
	};
}

export interface RunInput {
	readonly args: readonly string[];
	readonly stdin: string | null;
	readonly limits: SandboxLimits;
	/** More host files of the job directory bound read-only beside the program (a checker's input files). */
	readonly files?: readonly string[];
	/**
	 * Where the program is, when the job directory does not hold it yet (a judge's test case): a run sandbox made ahead
	 * takes its own copy from there, and only a run without one copies it into the job directory — never both.
	 */
	readonly programFrom?: string;
}

/** A run's result, and its stdout as the bytes the program wrote (`result.output` is their UTF-8 decoding). */
export interface ProgramRun {
	readonly result: ExecuteResult;
	readonly stdout: Buffer;
}

const runStep = (workspace: Workspace, input: RunInput, {user, deps, signal}: JobContext, extra: {readonly gate?: Promise<boolean>; readonly made?: StartedLauncher} = {}) => sandboxStep(
	{...deps.profiles.run, limits: input.limits},
	runSandboxJob(workspace, input),
	user,
	deps,
	signal,
	extra,
);

/**
 * A run step, started before its program is there (while it compiles) and sent on by `go`; `close` ends it — with no
 * program ever run, before a go — and removes what it made (a job directory made ahead). `go` writes the stdin
 * file first. Three ways, best first:
 * - the slot's run sandbox made ahead (with job cgroups, and no file bound beside the program): `go` writes the
 *   program and the stdin into the files it has bound and sends the command;
 * - with job cgroups, a launcher that joins the run's job cgroup at once — the kernel makes the first cgroup move after
 *   a pause wait for an RCU grace period, several milliseconds that then pass during the compile — and waits; `go`
 *   starts the sandbox (bwrap, made then, as fresh as any);
 * - else nothing until `go` starts the sandbox.
 */
export interface PreparedRun {
	go(): Promise<SandboxRun>;
	close(): Promise<void>;
}

function prepareRun(workspace: Workspace, input: RunInput, job: JobContext): PreparedRun {
	const {deps, user} = job;
	const made = input.files?.length ? undefined : deps.launchers?.take('run', user, input.limits);
	if (made) {
		return madeAheadRun(made, workspace, input, job);
	}

	const stdin = async () => timed('workspace', async () => runFiles(workspace, input, user));
	if (!deps.cgroups) {
		return {
			async go() {
				await stdin();
				return runStep(workspace, input, job);
			},
			async close() {},
		};
	}

	let open!: (go: boolean) => void;
	const gate = new Promise<boolean>(resolve => {
		open = resolve;
	});
	const running = runStep(workspace, input, job, {gate});
	// Awaited by go or close; a failure before either is theirs to see.
	running.catch(() => {});
	return {
		async go() {
			await stdin();
			open(true);
			return running;
		},
		async close() {
			open(false);
			await running.catch(() => {});
		},
	};
}

/** What a run in its own sandbox needs in its job directory: the program (when it is elsewhere), and the stdin file. */
async function runFiles(workspace: Workspace, input: RunInput, user: SandboxUser | null): Promise<void> {
	if (input.programFrom !== undefined) {
		await copyProgram(workspace, input.programFrom, user);
	}

	await writeStdin(workspace, input.stdin ?? '', user);
}

/**
 * Whether a sandbox made ahead failed because its job directory is gone (something removed it while it waited: an
 * age-based /tmp cleaner): then the step makes its own sandbox, as for one that died while it waited.
 */
function madeAheadDirGone(error: unknown, logger: Logger, step: 'compile' | 'run'): boolean {
	if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
		return false;
	}

	logger.warn({step, err: String(error)}, 'the job directory of a sandbox made ahead was gone when its job came: the step makes its own');
	return true;
}

/** A run in the slot's run sandbox made ahead: its job directory (`box`) takes the program of `from`, and the stdin. */
function madeAheadRun(made: StartedLauncher, from: Workspace, input: RunInput, job: JobContext): PreparedRun {
	// Every run sandbox made ahead comes with its job directory (startSandboxAhead).
	const box = made.workspace!;
	let sent = false;
	// Discarded (its directory with it) when it could not take the job.
	let discarded = false;
	return {
		async go() {
			sent = true;
			try {
				await timed('workspace', async () => fillRunPlaceholders(box, input.programFrom ?? from.binaryPath, input.stdin));
			} catch (error) {
				discarded = true;
				await cleanUpAfterFailure(async () => made.discard());
				if (!madeAheadDirGone(error, job.deps.logger, 'run')) {
					throw error;
				}

				// The program runs from its job directory, in a sandbox of its own.
				await timed('workspace', async () => runFiles(from, input, job.user));
				return runStep(from, input, job);
			}

			return runStep(box, input, job, {made});
		},
		async close() {
			if (discarded) {
				return;
			}

			if (sent) {
				await box.dispose();
			} else {
				sent = true;
				await made.discard();
			}
		},
	};
}

/**
 * Runs the program a workspace holds, in a fresh sandbox (or the one `prepared` starts: then the caller closes it), and
 * reads its result.
 */
export async function runProgram(job: JobContext, workspace: Workspace, input: RunInput, compiled: Pick<Compiled, 'outcome' | 'staticKb'>, prepared?: PreparedRun): Promise<ProgramRun> {
	const {deps} = job;
	const started = performance.now();
	const step = prepared ?? prepareRun(workspace, input, job);
	let run: SandboxRun;
	try {
		run = await step.go();
	} finally {
		if (!prepared) {
			await afterAnswer(async () => cleanUpAfterJob(deps.logger, async () => step.close()));
		}
	}

	const result = toRunResult(run, input.limits, deps.profiles.run.policy, deps.config.outputBytes, compiled.outcome.diagnostics, compiled.staticKb);
	deps.events?.ran?.(result, performance.now() - started);
	return {result, stdout: run.stdout};
}

/**
 * An answer's texts within the answer's size bound as sent: output first, then error, then warnings; `truncated`
 * tells when output or error was cut.
 */
export function withinResponseBytes(result: ExecuteResult, responseBytes: number): ExecuteResult {
	const budget = new TextBudget(responseBytes);
	const output = budget.take(result.output);
	const error = budget.take(result.error);
	const warnings = budget.take(result.warnings);
	if (!output.cut && !error.cut && !warnings.cut) {
		return result;
	}

	// Cut warnings alone leave the program's texts, and so its bytes. Cut texts keep the bytes written beside them,
	// whole: Judge0's comparison with `expected_output` is of the program's output, not of what fits an answer.
	const cut: ExecuteResult = {...result, output: output.text, error: error.text, warnings: warnings.text, truncated: result.truncated || output.cut || error.cut};
	return output.cut || error.cut ? cutFrom(result, cut) : sameBytes(result, cut);
}

/** One job, top to bottom: workspace → compile in a sandbox → run in another → result; the workspace always goes. */
export async function runJob(request: ExecuteRequest, job: JobContext): Promise<ExecuteResult> {
	const {deps} = job;
	const limits = runLimitsFor(deps.config, request.limits);
	const input: RunInput = {args: request.args, stdin: request.stdin, limits};
	// The run step starts while the program compiles (see PreparedRun).
	const ahead: {run?: PreparedRun} = {};
	const startAhead = (workspace: Workspace) => {
		ahead.run = prepareRun(workspace, input, job);
	};
	let compiled: Compiled;
	try {
		compiled = await compileProgram(request.program, job, startAhead);
	} catch (error) {
		await cleanUpAfterFailure(async () => ahead.run?.close());
		throw error;
	}

	try {
		const result = compiled.outcome.ok
			? (await runProgram(job, compiled.workspace, input, compiled, ahead.run)).result
			: toCompileErrorResult(compiled.outcome, limits, deps.profiles.run.policy, deps.config.outputBytes);
		return withinResponseBytes(sameBytes(result, {...result, compile_cached: compiled.cached}), deps.config.responseBytes);
	} finally {
		// The run's job directory (one made ahead) and the compile's go together, after the answer when it may wait.
		await afterAnswer(async () => cleanUpAfterJob(deps.logger, async () => ahead.run?.close(), async () => compiled.workspace.dispose()));
	}
}
