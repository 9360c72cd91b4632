import {randomUUID} from 'node:crypto';
import path from 'node:path';
import type {Logger} from 'pino';
import type {Config, SandboxLimits} from '../config.ts';
import {bwrapArgs, type SandboxJob} from '../sandbox/bwrap-args.ts';
import type {CgroupBackend} from '../sandbox/cgroup.ts';
import type {SandboxProfile} from '../sandbox/profiles.ts';
import {spawnSandbox, type SandboxRun, type SandboxUser} from '../sandbox/spawn.ts';
import {staticMemoryKb} from './elf.ts';
import type {ExecuteRequest, RequestedLimits} from './parse-request.ts';
import {judgeCompile, toCompileErrorResult, toRunResult, type CompileOutcome, type ExecuteResult} from './result.ts';
import {createWorkspace, writeStdin, type Owner, type Workspace} from './workspace.ts';

export const compilerPath = '/usr/bin/gcc';
/** gnu17 keeps POSIX declarations visible; colour and URL escapes never reach a JSON string. */
export const compileFlags = ['-std=gnu17', '-O2', '-Wall', '-fdiagnostics-color=never', '-fdiagnostics-urls=never', '-pipe'];
/** Linked after the source, so `sqrt` and friends just work. */
export const linkFlags = ['-lm'];
/** How long the server waits past a helper's own wall limit before it kills the sandbox itself. */
const backstopGraceMs = 5000;

export interface JobDeps {
	readonly config: Config;
	readonly profiles: {readonly compile: SandboxProfile; readonly run: SandboxProfile};
	readonly owner: Owner;
	readonly logger: Logger;
	/** Job cgroups, where the host offers them; absent: the helper's sampling and rlimits only. */
	readonly cgroups?: CgroupBackend | null;
}

/** The launcher beside the helper: it puts a job into its cgroups before bwrap starts. */
export const launcherPath = (helperPath: string) => path.join(path.dirname(helperPath), 'c-runner-launch');

export const compileCommand = (workspace: Workspace) =>
	[compilerPath, ...compileFlags, '-o', workspace.binaryPath, workspace.sourcePath, ...linkFlags];

async function sandboxStep(
	profile: SandboxProfile,
	job: Omit<SandboxJob, 'helperPath'>,
	stdinFile: string | null,
	user: SandboxUser | null,
	deps: JobDeps,
	signal: AbortSignal,
): Promise<SandboxRun> {
	// Made before the job's first process, read once its last is gone, always removed.
	// Named for its job directory and step, with a suffix: two steps may share a directory (a checker, say).
	const name = `${path.basename(job.dir)}-${profile.name}-${randomUUID().slice(0, 8)}`;
	const cgroup = deps.cgroups ? await deps.cgroups.createJob(name, user, profile.limits) : null;
	let run: SandboxRun;
	try {
		run = await spawnSandbox({
			bwrapPath: deps.config.bwrapPath,
			args: bwrapArgs(profile, {...job, helperPath: deps.config.helperPath, cgroup: cgroup !== null}),
			user,
			stdinFile,
			outputBytes: deps.config.outputBytes,
			backstopMs: profile.limits.wallMs + backstopGraceMs,
			signal,
			...(cgroup ? {launcher: {path: launcherPath(deps.config.helperPath), args: cgroup.launchArgs}} : {}),
		});
		if (cgroup) {
			run = {...run, cgroup: await cgroup.read()};
		}
	} finally {
		await cgroup?.remove();
	}

	if (run.canceled) {
		throw signal.reason;
	}

	return run;
}

/**
 * The run limits for one request: the server's defaults, or what it asked for, lowered to the server's maxima. A
 * requested CPU time sets the wall-clock limit to twice that plus a second, so a busy machine does not flip verdicts.
 */
export function runLimitsFor(config: Config, requested: RequestedLimits): SandboxLimits {
	const cpuMs = requested.timeLimitMs === null ? config.run.cpuMs : Math.min(requested.timeLimitMs, config.runMax.cpuMs);
	return {
		...config.run,
		cpuMs,
		wallMs: requested.timeLimitMs === null ? config.run.wallMs : (2 * cpuMs) + 1000,
		memoryMb: requested.memoryLimitMb === null ? config.run.memoryMb : Math.min(requested.memoryLimitMb, config.runMax.memoryMb),
	};
}

/** A compile's outcome and the job directory that holds the program; the caller disposes of the directory. */
export interface Compiled {
	readonly workspace: Workspace;
	readonly outcome: CompileOutcome;
	/** KiB of the program's load segments, for the memory rule; 0 when it did not compile. */
	readonly staticKb: number;
}

export async function compileProgram(code: string, user: SandboxUser | null, deps: JobDeps, signal: AbortSignal): Promise<Compiled> {
	const workspace = await createWorkspace(deps.config.jobRoot, deps.owner, user, {code});
	try {
		const compileRun = await sandboxStep(deps.profiles.compile, {dir: workspace.dir, files: [], argv: compileCommand(workspace)}, null, user, deps, signal);
		const outcome = judgeCompile(compileRun, deps.profiles.compile.limits);
		return {workspace, outcome, staticKb: outcome.ok ? await staticMemoryKb(workspace.binaryPath) : 0};
	} catch (error) {
		await workspace.dispose();
		throw error;
	}
}

export interface RunInput {
	readonly args: readonly string[];
	readonly stdin: string | null;
	readonly limits: SandboxLimits;
}

/** Runs the program a workspace holds, in a fresh sandbox, and reads its result. */
export async function runProgram(workspace: Workspace, input: RunInput, compiled: Compiled, user: SandboxUser | null, deps: JobDeps, signal: AbortSignal): Promise<ExecuteResult> {
	if (input.stdin !== null) {
		await writeStdin(workspace, input.stdin);
	}

	const run = await sandboxStep(
		{...deps.profiles.run, limits: input.limits},
		{dir: workspace.dir, files: [workspace.binaryPath], argv: [workspace.binaryPath, ...input.args]},
		input.stdin === null ? null : workspace.stdinPath,
		user,
		deps,
		signal,
	);
	return toRunResult(run, input.limits, deps.config.outputBytes, compiled.outcome.diagnostics, compiled.staticKb);
}

/** One job, top to bottom: workspace → compile in a sandbox → run in another → result; the workspace always goes. */
export async function runJob(request: ExecuteRequest, user: SandboxUser | null, deps: JobDeps, signal: AbortSignal): Promise<ExecuteResult> {
	const limits = runLimitsFor(deps.config, request.limits);
	const compiled = await compileProgram(request.code, user, deps, signal);
	try {
		if (!compiled.outcome.ok) {
			return toCompileErrorResult(compiled.outcome, limits, deps.config.outputBytes);
		}

		return await runProgram(compiled.workspace, {args: request.args, stdin: request.stdin, limits}, compiled, user, deps, signal);
	} finally {
		await compiled.workspace.dispose();
	}
}
