import {isUtf8} from 'node:buffer';
import type {SandboxLimits} from '../config.ts';
import {enforcedCpuMs, type SandboxPolicy} from '../sandbox/profiles.ts';
import type {SandboxRun} from '../sandbox/spawn.ts';
import {classifyRun, notStartedText, programNotStarted, type CompileOutcome} from './classify.ts';
import {signalName} from './signals.ts';

/** How a run ended: the one list every layer (and the OpenAPI document) takes. */
export const runStatuses = ['ok', 'compile_error', 'runtime_error', 'signalled', 'time_limit', 'memory_limit', 'output_limit', 'file_size_limit'] as const;
export type RunStatus = typeof runStatuses[number];

export type StoppedBy = 'wall_time' | 'cpu_time' | 'memory' | 'output' | 'file_size' | null;

export interface AppliedLimits {
	readonly wall_time_ms: number;
	/** The CPU time limit of the verdict: a run that used more is `time_limit`, whatever stopped it. */
	readonly cpu_time_ms: number;
	/** The CPU time at which the sandbox stops the program under the policy in effect (see `enforcedCpuMs`). */
	readonly cpu_time_enforced_ms: number;
	readonly memory_mb: number;
	readonly processes: number;
	readonly file_size_mb: number;
	readonly disk_mb: number;
	readonly open_files: number;
	/** The stack of each thread of the program (`RLIMIT_STACK`): a deep recursion past it is a `SIGSEGV`. */
	readonly stack_mb: number;
	readonly output_bytes: number;
}

export interface ExecuteResult {
	readonly output: string;
	readonly error: string;
	readonly exit_code: number;
	readonly status: RunStatus;
	readonly signal: string | null;
	readonly timed_out: boolean;
	readonly truncated: boolean;
	readonly stopped_by: StoppedBy;
	/** With `stopped_by` `output`: the stream that passed the output cap (for a compile, gcc's diagnostics: stderr). */
	readonly output_limit_stream: 'stdout' | 'stderr' | null;
	readonly warnings: string;
	readonly time_ms: number | null;
	readonly cpu_ms: number | null;
	readonly memory_kb: number | null;
	readonly limits: AppliedLimits;
	/** The compile's result came from the compile cache (no compiler ran for this request). */
	readonly compile_cached: boolean;
}

export function appliedLimits(limits: SandboxLimits, outputBytes: number, policy: SandboxPolicy): AppliedLimits {
	return {
		wall_time_ms: limits.wallMs,
		cpu_time_ms: limits.cpuMs,
		cpu_time_enforced_ms: enforcedCpuMs(policy, limits.cpuMs),
		memory_mb: limits.memoryMb,
		processes: limits.processes,
		file_size_mb: limits.fileSizeMb,
		disk_mb: limits.diskMb,
		open_files: limits.openFiles,
		stack_mb: limits.stackMb,
		output_bytes: outputBytes,
	};
}

/** The bytes a program wrote, where `output` and `error`, UTF-8 text, could not carry them (U+FFFD in their place). */
export interface WrittenBytes {
	readonly stdout: Buffer;
	readonly stderr: Buffer;
}

/**
 * A run's bytes, kept beside its result only when its texts are not them: a stream that is not UTF-8, or texts cut
 * to the answer's bound. An API that answers bytes (Judge0's `base64_encoded`) and a comparison of bytes (Judge0's
 * `expected_output`) take them from here; for every other run the texts' own UTF-8 is the bytes. Beside the result,
 * not in it: the result is the wire answer.
 */
const programBytes = new WeakMap<ExecuteResult, WrittenBytes>();

/** The bytes the run behind a result wrote (up to the output cap), uncut by the answer's bound. */
export const writtenBytes = (result: ExecuteResult): WrittenBytes =>
	programBytes.get(result) ?? {stdout: Buffer.from(result.output, 'utf8'), stderr: Buffer.from(result.error, 'utf8')};

/** How many bytes are kept beside a result (writtenBytes): for a store that bounds what it holds. */
export function keptBytes(result: ExecuteResult): number {
	const bytes = programBytes.get(result);
	return bytes === undefined ? 0 : bytes.stdout.length + bytes.stderr.length;
}

/** `to`, a copy of `from` with other fields, keeps its bytes; its texts must be `from`'s unchanged. */
export function sameBytes(from: ExecuteResult, to: ExecuteResult): ExecuteResult {
	const bytes = programBytes.get(from);
	if (bytes !== undefined && to.output === from.output && to.error === from.error) {
		programBytes.set(to, bytes);
	}

	return to;
}

/** `to`, `from` with its texts cut, keeps the bytes `from`'s run wrote, whole. */
export function cutFrom(from: ExecuteResult, to: ExecuteResult): ExecuteResult {
	programBytes.set(to, writtenBytes(from));
	return to;
}

/** `staticKb`: the program's load segments (code, data, bss), which must fit before it can run at all. */
export function toRunResult(run: SandboxRun, limits: SandboxLimits, policy: SandboxPolicy, outputBytes: number, warnings: string, staticKb = 0): ExecuteResult {
	const verdict = classifyRun(run, limits, staticKb);
	const notStarted = programNotStarted(run) ? notStartedText(run.report!.execErrno).text : '';
	const result: ExecuteResult = {
		output: run.stdout.toString('utf8'),
		// The helper's own line about a failed execve is on stderr too: the sentence above says it for a person.
		error: notStarted === '' ? run.stderr.toString('utf8') : notStarted,
		exit_code: verdict.exitCode,
		status: verdict.status,
		signal: verdict.signal === 0 ? null : signalName(verdict.signal),
		timed_out: verdict.stoppedBy === 'wall_time' || verdict.stoppedBy === 'cpu_time',
		truncated: run.overflowed !== null,
		stopped_by: verdict.stoppedBy,
		output_limit_stream: run.overflowed,
		warnings,
		time_ms: run.report?.wallMs ?? Math.round(run.durationMs),
		// The accounting backend's figures. CPU: the helper's (with a cgroup, read from it, less the sandbox's own
		// set-up and sampling), the cgroup's whole count only when the helper wrote no report. Memory: the cgroup's.
		cpu_ms: run.report?.cpuMs ?? run.cgroup?.cpuMs ?? null,
		memory_kb: run.cgroup?.peakKb ?? run.report?.maxRssKb ?? null,
		limits: appliedLimits(limits, outputBytes, policy),
		compile_cached: false,
	};
	const stderr = notStarted === '' ? run.stderr : Buffer.from(notStarted, 'utf8');
	if (!isUtf8(run.stdout) || !isUtf8(stderr)) {
		programBytes.set(result, {stdout: run.stdout, stderr});
	}

	return result;
}

export function toCompileErrorResult(compile: CompileOutcome, limits: SandboxLimits, policy: SandboxPolicy, outputBytes: number): ExecuteResult {
	return {
		output: '',
		error: compile.diagnostics,
		exit_code: 1,
		status: 'compile_error',
		signal: null,
		timed_out: compile.stoppedBy === 'wall_time' || compile.stoppedBy === 'cpu_time',
		truncated: compile.stoppedBy === 'output',
		stopped_by: compile.stoppedBy,
		output_limit_stream: compile.stoppedBy === 'output' ? 'stderr' : null,
		warnings: '',
		time_ms: null,
		cpu_ms: null,
		memory_kb: null,
		limits: appliedLimits(limits, outputBytes, policy),
		compile_cached: false,
	};
}
