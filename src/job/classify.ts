// How one sandboxed step ended, by a fixed rule: a run's status and what stopped it, a compile's outcome.
import {getSystemErrorName} from 'node:util';
import type {SandboxLimits} from '../config.ts';
import type {SandboxRun} from '../sandbox/spawn.ts';
import {SandboxError} from './errors.ts';
import type {RunStatus, StoppedBy} from './result.ts';
import {sigkill, sigxcpu, sigxfsz} from './signals.ts';

/**
 * The program itself could not be started: the helper's child exits 127 when execve failed (126 when a step of
 * the sandbox's before it did). What makes a compiled program unrunnable — an ELF interpreter that does not exist,
 * a format the kernel refuses — is in its source: the program's outcome, not the server's failure.
 */
export const programNotStarted = (run: SandboxRun) => run.report !== null && run.report.execErrno !== 0 && run.report.exitCode === 127;

/** What the error says of a program that could not be started; its exit code is a shell's: 127 not found, else 126. */
export function notStartedText(execErrno: number): {readonly text: string; readonly exitCode: number} {
	const name = getSystemErrorName(-execErrno);
	return execErrno === 2
		? {text: `c-runner: the program could not be started: execve failed with ENOENT (a file it needs to start, such as its ELF interpreter, does not exist in the sandbox)\n`, exitCode: 127}
		: {text: `c-runner: the program could not be started: execve failed with ${name}\n`, exitCode: 126};
}

/** How the sandbox machinery's own messages begin: bwrap's, the helper's, the launcher's, the terminal relay's. */
const machineryLine = /^(?:bwrap|c-runner-sandbox|c-runner-launch|c-runner-pty): /;

/**
 * What a sandbox's stderr says of the sandbox for the log: the machinery's own lines, a few and short. The rest is
 * the program's stderr or the compiler's diagnostics, which quote the source: never logged, only counted.
 */
export function sandboxMessage(stderr: Buffer): string {
	const lines = stderr.toString('utf8').split('\n');
	const own = lines.filter(line => machineryLine.test(line)).slice(-8).map(line => line.slice(0, 240));
	const other = stderr.length - own.reduce((bytes, line) => bytes + Buffer.byteLength(line) + 1, 0);
	return [...own, ...(other > 0 ? [`(${other} more bytes of stderr, the job's own, not shown)`] : [])].join('\n');
}

/** The helper must have reported, unless the server itself stopped the sandbox from outside. */
export function requireReport(run: SandboxRun, step: string) {
	if (run.report === null) {
		throw new SandboxError(`${step} sandbox produced no report`, sandboxMessage(run.stderr));
	}

	if (run.report.execErrno !== 0) {
		throw new SandboxError(`${step} command could not be started`, `errno ${run.report.execErrno}`);
	}

	return run.report;
}

/** How one run ended, by the rule below: its status and what stopped it (a judge's verdict is another idea). */
export interface RunClassification {
	readonly status: RunStatus;
	readonly stoppedBy: StoppedBy;
	readonly exitCode: number;
	readonly signal: number;
}

/**
 * Which limit stopped a run, by a fixed rule, in this order:
 * output cap passed → output_limit (the server killed it: SIGKILL);
 * with a job cgroup, a process of the job waited for memory at its limit (the helper then ended the job) or the
 * kernel killed one there → memory_limit (even when the job then hung, burnt its CPU in reclaim, or lost its helper
 * before the report);
 * helper's wall clock or the server's backstop fired → time_limit (SIGKILL);
 * helper's CPU sampling reached the limit, SIGXCPU (the backstop) with the limit's CPU time used, or more CPU time measured
 * than the limit, however the run ended → time_limit (one rule under every policy: where the sandbox can only stop
 * a program at whole seconds, a run over the limit is still judged by it);
 * peak RSS reached the memory limit → memory_limit; so does a run that failed (non-zero exit or a signal) once its
 * address space — its data and stacks as sampled (reservations it never made usable are not memory), or its static
 * data alone — had reached the limit: an allocation in the slack above the limit failed; with a job cgroup, so does a failed run whose charges hit the job's limit (a failed charge, or the
 * peak at the limit: a write to a memfd or tmpfile then fails with ENOMEM instead of waiting);
 * SIGXFSZ → file_size_limit; any other signal → signalled; non-zero exit → runtime_error; else ok.
 */
export function classifyRun(run: SandboxRun, limits: SandboxLimits, staticKb = 0): RunClassification {
	if (run.overflowed !== null) {
		return {status: 'output_limit', stoppedBy: 'output', exitCode: -sigkill, signal: sigkill};
	}

	// The job reached its cgroup's memory limit (the helper saw a process wait for memory there, or the kernel
	// killed one): the first limit it reached, whatever came after (a hang, CPU burnt in reclaim, a lost report).
	if (run.report?.memoryExceeded || (run.cgroup?.oomKills ?? 0) > 0) {
		const report = run.report?.execErrno === 0 ? run.report : null;
		const signal = report === null ? sigkill : report.signal;
		return {status: 'memory_limit', stoppedBy: 'memory', exitCode: report?.exited ? report.exitCode : -signal, signal};
	}

	if (run.backstopFired || run.report?.timedOut) {
		return {status: 'time_limit', stoppedBy: 'wall_time', exitCode: -sigkill, signal: sigkill};
	}

	if (programNotStarted(run)) {
		return {status: 'runtime_error', stoppedBy: null, exitCode: notStartedText(run.report!.execErrno).exitCode, signal: 0};
	}

	const report = requireReport(run, 'run');
	const {signal} = report;
	const exitCode = report.exited ? report.exitCode : -signal;
	// The helper's own stop, RLIMIT_CPU's backstop (SIGXCPU, then SIGKILL past the limit), or simply more CPU time
	// than the limit: one rule, whatever stopped the run. The backstop's SIGXCPU comes with the limit's CPU time used;
	// one with less is a signal the program raised itself, an ordinary `signalled`.
	if (report.cpuExceeded || report.cpuMs > limits.cpuMs || (signal === sigxcpu && report.cpuMs >= limits.cpuMs)) {
		return {status: 'time_limit', stoppedBy: 'cpu_time', exitCode, signal};
	}

	const limitKb = limits.memoryMb * 1024;
	const failed = signal !== 0 || exitCode !== 0;
	const atCgroupLimit = failed && run.cgroup !== undefined && (run.cgroup.failcnt > 0 || run.cgroup.peakKb >= limitKb);
	// Resident memory counts the pages of files a program maps (a library, its stdin), which are the page cache's and
	// not charged to it: with a job cgroup, a peak at the limit is one the cgroup saw too.
	const residentAtLimit = report.maxRssKb >= limitKb && (run.cgroup === undefined || run.cgroup.peakKb >= limitKb);
	if (atCgroupLimit || residentAtLimit || (failed && Math.max(report.peakVmKb, staticKb) >= limitKb)) {
		return {status: 'memory_limit', stoppedBy: 'memory', exitCode, signal};
	}

	if (signal === sigxfsz) {
		return {status: 'file_size_limit', stoppedBy: 'file_size', exitCode, signal};
	}

	if (signal !== 0) {
		return {status: 'signalled', stoppedBy: null, exitCode, signal};
	}

	return {status: exitCode === 0 ? 'ok' : 'runtime_error', stoppedBy: null, exitCode, signal: 0};
}

export interface CompileOutcome {
	readonly ok: boolean;
	/** gcc's own output, unchanged, plus a `c-runner:` line when a limit stopped the compiler. */
	readonly diagnostics: string;
	readonly stoppedBy: StoppedBy;
}

export function classifyCompile(run: SandboxRun, limits: SandboxLimits): CompileOutcome {
	const text = Buffer.concat([run.stdout, run.stderr]).toString('utf8');
	if (run.overflowed === null && !run.backstopFired && !run.report?.timedOut) {
		const report = requireReport(run, 'compile');
		if (report.exited && report.exitCode === 0) {
			return {ok: true, diagnostics: text, stoppedBy: null};
		}
	}

	// SIGXFSZ ends the assembler or the linker, children of gcc's driver, which exits 1 saying so on a whole line of
	// its own (`gcc: internal compiler error: File size limit exceeded signal terminated program as`, or collect2's
	// `collect2: fatal error: ld terminated with signal 25 [File size limit exceeded]`). A source can only write such
	// a line into its own diagnostics (a #line file name holding a newline), and so only mislabel its own compile error.
	const ranClass = classifyRun(run, limits).stoppedBy;
	const driverStopped = /^(?:(?:gcc|g\+\+): internal compiler error: File size limit exceeded signal terminated program (?:cc1|cc1plus|as|collect2|ld)|collect2: fatal error: ld terminated with signal 25 \[File size limit exceeded\])$/m;
	// An allocation the compiler's address space limit (the compile memory limit) refused is never mapped nor made
	// resident, so neither the samples nor the cgroup see it: the compiler says so itself and exits 1 — libiberty's
	// `cc1: out of memory allocating N bytes after a total of M bytes` (cc1plus, as, ld alike), gcc's own
	// `virtual memory exhausted: Cannot allocate memory`, tcc's `source.c:8: error: memory full (realloc)`. A source
	// forging one only marks its own compile error as stopped (and so not kept in the cache).
	const compilerOutOfMemory = /^(?:[\w+.-]+: out of memory allocating \d+ bytes after a total of \d+ bytes|virtual memory exhausted: Cannot allocate memory|(?:tcc|[^\n:]+:\d+): error: memory full \((?:malloc|realloc)\))$/m;
	const stoppedBy = ranClass ?? (driverStopped.test(text) ? 'file_size' : (compilerOutOfMemory.test(text) ? 'memory' : null));
	const notes: Record<Exclude<StoppedBy, null>, string> = {
		wall_time: `the compile time limit of ${limits.wallMs} ms`,
		cpu_time: `the compile CPU time limit of ${limits.cpuMs} ms`,
		memory: `the compile memory limit of ${limits.memoryMb} MiB`,
		output: 'the diagnostics size limit',
		file_size: `the compile file size limit of ${limits.fileSizeMb} MiB`,
	};
	const note = stoppedBy === null ? '' : `${text === '' || text.endsWith('\n') ? '' : '\n'}c-runner: compilation stopped by ${notes[stoppedBy]}\n`;
	return {ok: false, diagnostics: text + note, stoppedBy};
}

/**
 * A compile whose compiler exited 0 without writing a program (tcc takes options from the source,
 * `#pragma comment(option, "-dumpversion")`): the request's compile error, not the server's.
 */
export const wroteNoProgram = (outcome: CompileOutcome): CompileOutcome => ({
	ok: false,
	diagnostics: `${outcome.diagnostics}${outcome.diagnostics === '' || outcome.diagnostics.endsWith('\n') ? '' : '\n'}c-runner: the compiler exited 0 but wrote no program\n`,
	stoppedBy: null,
});
