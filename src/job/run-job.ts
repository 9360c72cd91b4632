import type {Logger} from 'pino';
import type {Config} from '../config.ts';
import {bwrapArgs, type SandboxJob} from '../sandbox/bwrap-args.ts';
import type {SandboxProfile} from '../sandbox/profiles.ts';
import {spawnSandbox, type SandboxRun, type SandboxUser} from '../sandbox/spawn.ts';
import type {ExecuteRequest} from './parse-request.ts';
import {judgeCompile, toCompileErrorResult, toRunResult, type ExecuteResult} from './result.ts';
import type {Slots} from './slots.ts';
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
}

export interface Runner {
	execute(request: ExecuteRequest, signal: AbortSignal): Promise<ExecuteResult>;
}

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
	const run = await spawnSandbox({
		bwrapPath: deps.config.bwrapPath,
		args: bwrapArgs(profile, {...job, helperPath: deps.config.helperPath}),
		user,
		stdinFile,
		outputBytes: deps.config.outputBytes,
		backstopMs: profile.limits.wallMs + backstopGraceMs,
		signal,
	});
	if (run.canceled) {
		throw signal.reason;
	}

	return run;
}

/** One job, top to bottom: workspace → compile in a sandbox → run in another → result; the workspace always goes. */
export async function runJob(request: ExecuteRequest, user: SandboxUser | null, deps: JobDeps, signal: AbortSignal): Promise<ExecuteResult> {
	const {config, profiles} = deps;
	const workspace = await createWorkspace(config.jobRoot, deps.owner, user, request.code);
	try {
		const compileRun = await sandboxStep(profiles.compile, {dir: workspace.dir, files: [], argv: compileCommand(workspace)}, null, user, deps, signal);
		const compiled = judgeCompile(compileRun, profiles.compile.limits);
		if (!compiled.ok) {
			return toCompileErrorResult(compiled, profiles.run.limits, config.outputBytes);
		}

		if (request.stdin !== null) {
			await writeStdin(workspace, request.stdin);
		}

		const run = await sandboxStep(
			profiles.run,
			{dir: workspace.dir, files: [workspace.binaryPath], argv: [workspace.binaryPath, ...request.args]},
			request.stdin === null ? null : workspace.stdinPath,
			user,
			deps,
			signal,
		);
		return toRunResult(run, profiles.run.limits, config.outputBytes, compiled.diagnostics);
	} finally {
		await workspace.dispose();
	}
}

export function createRunner(deps: JobDeps, slots: Slots): Runner {
	return {
		async execute(request, signal) {
			const slot = await slots.acquire(signal);
			try {
				return await runJob(request, slot.user, deps, signal);
			} finally {
				slot.release();
			}
		},
	};
}
