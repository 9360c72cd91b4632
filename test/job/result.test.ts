import os from 'node:os';
import test from 'ava';
import type {SandboxLimits} from '../../src/config.ts';
import {classifyCompile} from '../../src/job/classify.ts';
import {toCompileErrorResult, toRunResult} from '../../src/job/result.ts';
import {linuxSignalNames, signalName} from '../../src/job/signals.ts';
import {SandboxError} from '../../src/job/errors.ts';
import {strongestPolicy, type SandboxPolicy} from '../../src/sandbox/profiles.ts';
import type {SandboxRun} from '../../src/sandbox/spawn.ts';
import type {HelperReport} from '../../src/sandbox/report.ts';

const limits: SandboxLimits = {wallMs: 2000, cpuMs: 1500, memoryMb: 64, processes: 32, fileSizeMb: 1, diskMb: 8, openFiles: 64, stackMb: 8};
const baseReport: HelperReport = {execErrno: 0, exited: true, exitCode: 0, signal: 0, timedOut: false, cpuExceeded: false, cpuMs: 5, wallMs: 7, maxRssKb: 1200, peakVmKb: 2600, memoryExceeded: false};
const run = (report: Partial<HelperReport> | null, extra: Partial<SandboxRun> = {}): SandboxRun => ({
	stdout: Buffer.from('out'),
	stderr: Buffer.from('err'),
	report: report === null ? null : {...baseReport, ...report},
	overflowed: null,
	backstopFired: false,
	canceled: false,
	durationMs: 9,
	...extra,
});

const maps = test.macro((t, given: SandboxRun, expected: Record<string, unknown>) => {
	t.like(toRunResult(given, limits, strongestPolicy, 1024, ''), expected);
});

test('exit 0 is ok', maps, run({}), {status: 'ok', exit_code: 0, signal: null, timed_out: false, truncated: false, stopped_by: null, output: 'out', error: 'err', time_ms: 7, cpu_ms: 5, memory_kb: 1200});
test('a non-zero exit is a runtime error with that code', maps, run({exitCode: 3}), {status: 'runtime_error', exit_code: 3, signal: null});
test('exit(139) stays 139: not mistaken for SIGSEGV', maps, run({exitCode: 139}), {status: 'runtime_error', exit_code: 139, signal: null});
test('execve of the program failed (its child exits 127): a runtime error of the program, said in error, as a shell counts it', maps, run({execErrno: 2, exitCode: 127}), {status: 'runtime_error', exit_code: 127, signal: null, error: 'c-runner: the program could not be started: execve failed with ENOENT (a file it needs to start, such as its ELF interpreter, does not exist in the sandbox)\n'});
test('execve failed with another errno: 126', maps, run({execErrno: 8, exitCode: 127}), {status: 'runtime_error', exit_code: 126, error: 'c-runner: the program could not be started: execve failed with ENOEXEC\n'});
test('a step of the sandbox before execve failed (its child exits 126): the server\'s failure', t => {
	t.throws(() => toRunResult(run({execErrno: 1, exitCode: 126}), limits, strongestPolicy, 1024, ''), {instanceOf: SandboxError});
});
test('SIGSEGV is -11', maps, run({exited: false, signal: 11}), {status: 'signalled', exit_code: -11, signal: 'SIGSEGV'});
test('SIGKILL from the program itself is -9, signalled', maps, run({exited: false, signal: 9, cpuMs: 3}), {status: 'signalled', exit_code: -9, signal: 'SIGKILL'});
test('wall limit: time_limit, -9', maps, run({exited: false, signal: 9, timedOut: true}), {status: 'time_limit', stopped_by: 'wall_time', timed_out: true, exit_code: -9, signal: 'SIGKILL'});
test('SIGXCPU: time_limit by CPU', maps, run({exited: false, signal: 24, cpuMs: 2000}), {status: 'time_limit', stopped_by: 'cpu_time', timed_out: true, exit_code: -24, signal: 'SIGXCPU'});
test('SIGXCPU the program raised itself, with little CPU used: signalled, not a time limit', maps, run({exited: false, signal: 24, cpuMs: 1}), {status: 'signalled', stopped_by: null, timed_out: false, exit_code: -24, signal: 'SIGXCPU'});
test('the helper\'s CPU sampling reached the limit: time_limit by CPU, -9', maps, run({exited: false, signal: 9, cpuExceeded: true, cpuMs: 1510}), {status: 'time_limit', stopped_by: 'cpu_time', timed_out: true, exit_code: -9, signal: 'SIGKILL'});
test('SIGKILL after the whole CPU allowance: time_limit by CPU', maps, run({exited: false, signal: 9, cpuMs: 2001}), {status: 'time_limit', stopped_by: 'cpu_time', exit_code: -9});
test('peak RSS at the memory limit: memory_limit', maps, run({exited: false, signal: 11, maxRssKb: 64 * 1024}), {status: 'memory_limit', stopped_by: 'memory', exit_code: -11, signal: 'SIGSEGV'});
test('just below the memory limit: not memory_limit', maps, run({exited: false, signal: 11, maxRssKb: (64 * 1024) - 1}), {status: 'signalled'});
test('failed after the address space reached the limit: memory_limit', maps, run({exitCode: 1, maxRssKb: 3000, peakVmKb: 64 * 1024}), {status: 'memory_limit', stopped_by: 'memory', exit_code: 1});
test('a large address space that ends well: ok', maps, run({maxRssKb: 3000, peakVmKb: 70 * 1024}), {status: 'ok'});
test('static data beyond the limit, killed at start: memory_limit', t => {
	t.like(toRunResult(run({exited: false, signal: 11, maxRssKb: 600, peakVmKb: 0}), limits, strongestPolicy, 1024, '', 400_000), {status: 'memory_limit', exit_code: -11});
	t.like(toRunResult(run({exited: false, signal: 11, maxRssKb: 600, peakVmKb: 0}), limits, strongestPolicy, 1024, '', 1000), {status: 'signalled'});
});
test('SIGXFSZ: file_size_limit', maps, run({exited: false, signal: 25}), {status: 'file_size_limit', stopped_by: 'file_size', exit_code: -25, signal: 'SIGXFSZ'});
test('output cap: output_limit, killed with SIGKILL, no report needed', maps, run(null, {overflowed: 'stdout'}), {status: 'output_limit', stopped_by: 'output', truncated: true, exit_code: -9, signal: 'SIGKILL', cpu_ms: null, memory_kb: null, time_ms: 9});
test('the server\'s backstop: time_limit', maps, run(null, {backstopFired: true}), {status: 'time_limit', stopped_by: 'wall_time', exit_code: -9});
test('limits applied are echoed', maps, run({}), {limits: {wall_time_ms: 2000, cpu_time_ms: 1500, cpu_time_enforced_ms: 1500, memory_mb: 64, processes: 32, file_size_mb: 1, disk_mb: 8, open_files: 64, stack_mb: 8, output_bytes: 1024}});

test('no report without a reason is a sandbox failure, not a result', t => {
	t.throws(() => toRunResult(run(null), limits, strongestPolicy, 1024, ''), {instanceOf: SandboxError});
	t.throws(() => toRunResult(run({execErrno: 2}), limits, strongestPolicy, 1024, ''), {instanceOf: SandboxError});
});

test('a sandbox without a report is logged with the machinery\'s own lines, never the program\'s stderr', t => {
	const stderr = Buffer.from('PROGRAM SECRET\nbwrap: Can\'t mount proc on /newroot/proc: Operation not permitted\nmore secret\n');
	const error = t.throws(() => toRunResult(run(null, {stderr}), limits, strongestPolicy, 1024, ''), {instanceOf: SandboxError});
	t.is(error.detail, 'bwrap: Can\'t mount proc on /newroot/proc: Operation not permitted\n(27 more bytes of stderr, the job\'s own, not shown)');
});

test('a compile that exits 0 is ok and its diagnostics are warnings', t => {
	t.deepEqual(classifyCompile(run({}, {stdout: Buffer.from(''), stderr: Buffer.from('warning: x')}), limits), {ok: true, diagnostics: 'warning: x', stoppedBy: null});
});

test('a failed compile keeps gcc\'s message unchanged and reports exit code 1', t => {
	const compile = classifyCompile(run({exitCode: 1}, {stdout: Buffer.from(''), stderr: Buffer.from('source.c:2:5: error: expected \')\'\n')}), limits);
	t.deepEqual(compile, {ok: false, diagnostics: 'source.c:2:5: error: expected \')\'\n', stoppedBy: null});
	t.like(toCompileErrorResult(compile, limits, strongestPolicy, 1024), {output: '', error: compile.diagnostics, exit_code: 1, status: 'compile_error', signal: null});
});

test('the file size limit stopping gcc\'s assembler or linker (the driver exits 1 and says so) is the compile file size limit; a source\'s own text saying it is not', t => {
	const asKilled = 'gcc: internal compiler error: File size limit exceeded signal terminated program as\nPlease submit a full bug report, with preprocessed source (by using -freport-bug).\n';
	const stopped = classifyCompile(run({exitCode: 1}, {stdout: Buffer.from(''), stderr: Buffer.from(asKilled)}), limits);
	t.deepEqual(stopped, {ok: false, diagnostics: `${asKilled}c-runner: compilation stopped by the compile file size limit of 1 MiB\n`, stoppedBy: 'file_size'});
	const ldKilled = 'collect2: fatal error: ld terminated with signal 25 [File size limit exceeded]\ncompilation terminated.\n';
	t.is(classifyCompile(run({exitCode: 1}, {stdout: Buffer.from(''), stderr: Buffer.from(ldKilled)}), limits).stoppedBy, 'file_size');
	for (const quoted of ['source.c:1:2: error: #error gcc: File size limit exceeded\n', 'gcc: File size limit exceeded: In function \'main\':\ngcc: File size limit exceeded:1:1: error: x\n']) {
		t.is(classifyCompile(run({exitCode: 1}, {stdout: Buffer.from(''), stderr: Buffer.from(quoted)}), limits).stoppedBy, null, quoted);
	}
});

test('a compile stopped by a limit says so after gcc\'s own text', t => {
	const compile = classifyCompile(run({exited: false, signal: 9, timedOut: true}, {stdout: Buffer.from(''), stderr: Buffer.from('partial')}), limits);
	t.is(compile.diagnostics, 'partial\nc-runner: compilation stopped by the compile time limit of 2000 ms\n');
	t.like(toCompileErrorResult(compile, limits, strongestPolicy, 1024), {status: 'compile_error', timed_out: true, stopped_by: 'wall_time'});
});

const noProc: SandboxPolicy = {...strongestPolicy, proc: 'none'};

test('more CPU time than the limit is time_limit however the run ended: exit 0, SIGKILL, any policy', t => {
	// The limit is 1500 ms; under no /proc, RLIMIT_CPU lets a process reach 2 s before SIGXCPU.
	for (const policy of [strongestPolicy, noProc]) {
		t.like(toRunResult(run({cpuMs: 1501}), limits, policy, 1024, ''), {status: 'time_limit', stopped_by: 'cpu_time', exit_code: 0, signal: null});
		t.like(toRunResult(run({exitCode: 3, cpuMs: 1800}), limits, policy, 1024, ''), {status: 'time_limit', exit_code: 3});
		t.like(toRunResult(run({exited: false, signal: 11, cpuMs: 1600}), limits, policy, 1024, ''), {status: 'time_limit', exit_code: -11, signal: 'SIGSEGV'});
		t.like(toRunResult(run({cpuMs: 1500}), limits, policy, 1024, ''), {status: 'ok'}, 'at the limit is within it');
	}
});

test('limits echo the CPU time the policy enforces: the limit itself, with or without /proc', t => {
	t.like(toRunResult(run({}), limits, strongestPolicy, 1024, ''), {limits: {cpu_time_ms: 1500, cpu_time_enforced_ms: 1500}});
	t.like(toRunResult(run({}), limits, noProc, 1024, ''), {limits: {cpu_time_ms: 1500, cpu_time_enforced_ms: 1500}});
	t.like(toRunResult(run({}), {...limits, cpuMs: 2000}, noProc, 1024, ''), {limits: {cpu_time_ms: 2000, cpu_time_enforced_ms: 2000}});
});

// Linux's own table (signal(7), asm-generic/signal.h), written out independently of the code's.
const linux: Record<number, string> = {
	1: 'SIGHUP', 2: 'SIGINT', 3: 'SIGQUIT', 4: 'SIGILL', 5: 'SIGTRAP', 6: 'SIGABRT', 7: 'SIGBUS', 8: 'SIGFPE', 9: 'SIGKILL', 10: 'SIGUSR1',
	11: 'SIGSEGV', 12: 'SIGUSR2', 13: 'SIGPIPE', 14: 'SIGALRM', 15: 'SIGTERM', 16: 'SIGSTKFLT', 17: 'SIGCHLD', 18: 'SIGCONT', 19: 'SIGSTOP',
	20: 'SIGTSTP', 21: 'SIGTTIN', 22: 'SIGTTOU', 23: 'SIGURG', 24: 'SIGXCPU', 25: 'SIGXFSZ', 26: 'SIGVTALRM', 27: 'SIGPROF', 28: 'SIGWINCH',
	29: 'SIGIO', 30: 'SIGPWR', 31: 'SIGSYS',
};

for (let number = 1; number <= 31; number++) {
	const name = linux[number]!;
	test(`signal ${number} is ${name}`, t => {
		t.is(signalName(number), name);
		t.like(toRunResult(run({exited: false, signal: number, cpuMs: 1}), limits, strongestPolicy, 1024, ''), {exit_code: -number, signal: name});
	});
}

test('the table has 31 names, one per number, and agrees with the numbers Node knows', t => {
	t.is(linuxSignalNames.length, 31);
	t.is(new Set(linuxSignalNames).size, 31);
	for (const [number, name] of Object.entries(linux)) {
		const known = (os.constants.signals as Record<string, number>)[name];
		if (known !== undefined) {
			t.is(known, Number(number), name);
		}
	}

	t.is(signalName(34), 'SIGRTMIN+0');
	t.is(signalName(64), 'SIGRTMIN+30');
	t.is(signalName(0), 'SIG0');
});

const cgroup = (figures: Partial<NonNullable<SandboxRun['cgroup']>>) => ({cgroup: {cpuMs: 40, peakKb: 9000, oomKills: 0, failcnt: 0, ...figures}});
test('with a job cgroup, memory is the cgroup\'s peak; CPU the helper\'s reading of the cgroup', maps, run({cpuMs: 5, maxRssKb: 1200}, cgroup({})), {status: 'ok', cpu_ms: 5, memory_kb: 9000});
test('an OOM kill in the job cgroup: memory_limit, whatever the exit', maps, run({exitCode: 0}, cgroup({oomKills: 1, peakKb: 65536})), {status: 'memory_limit', stopped_by: 'memory', exit_code: 0, memory_kb: 65536});
test('an OOM kill comes before the time limits it caused (a hang, CPU burnt in reclaim)', t => {
	t.like(toRunResult(run({exited: false, signal: 9, timedOut: true}, cgroup({oomKills: 2})), limits, strongestPolicy, 1024, ''), {status: 'memory_limit', exit_code: -9, signal: 'SIGKILL'});
	t.like(toRunResult(run({exited: false, signal: 9, cpuExceeded: true, cpuMs: 1600}, cgroup({oomKills: 1})), limits, strongestPolicy, 1024, ''), {status: 'memory_limit'});
	t.like(toRunResult(run(null, {...cgroup({oomKills: 1}), backstopFired: true}), limits, strongestPolicy, 1024, ''), {status: 'memory_limit'});
});
test('an OOM kill that took the helper (no report) is still memory_limit, not a server error', maps, run(null, cgroup({oomKills: 1})), {status: 'memory_limit', exit_code: -9, signal: 'SIGKILL', cpu_ms: 40});
test('no report and no OOM kill stays a server error under the cgroup backend', t => {
	t.throws(() => toRunResult(run(null, cgroup({})), limits, strongestPolicy, 1024, ''), {instanceOf: SandboxError});
});
test('a failed run whose charges hit the cgroup limit: memory_limit; a run that ended well despite reclaim: ok', t => {
	t.like(toRunResult(run({exitCode: 1}, cgroup({failcnt: 3})), limits, strongestPolicy, 1024, ''), {status: 'memory_limit', exit_code: 1});
	t.like(toRunResult(run({exitCode: 0}, cgroup({failcnt: 3})), limits, strongestPolicy, 1024, ''), {status: 'ok'});
	t.like(toRunResult(run({exitCode: 1}, cgroup({peakKb: 64 * 1024})), limits, strongestPolicy, 1024, ''), {status: 'memory_limit'});
	t.like(toRunResult(run({exitCode: 1}, cgroup({peakKb: (64 * 1024) - 1})), limits, strongestPolicy, 1024, ''), {status: 'runtime_error'});
});
test('with a job cgroup, resident memory at the limit is a memory_limit only when the cgroup charged it too (mapped files are the page cache\'s)', t => {
	t.like(toRunResult(run({exitCode: 0, maxRssKb: 72 * 1024}, cgroup({peakKb: 1400})), limits, strongestPolicy, 1024, ''), {status: 'ok', memory_kb: 1400});
	t.like(toRunResult(run({exitCode: 0, maxRssKb: 64 * 1024}, cgroup({peakKb: 64 * 1024})), limits, strongestPolicy, 1024, ''), {status: 'memory_limit'});
	t.like(toRunResult(run({exitCode: 0, maxRssKb: 72 * 1024}), limits, strongestPolicy, 1024, ''), {status: 'memory_limit'}, 'without a cgroup, resident memory is all there is');
});
test('the helper ended the job at the cgroup\'s memory limit: memory_limit, before the time limits', t => {
	t.like(toRunResult(run({exited: false, signal: 9, memoryExceeded: true}, cgroup({failcnt: 9})), limits, strongestPolicy, 1024, ''), {status: 'memory_limit', stopped_by: 'memory', exit_code: -9, signal: 'SIGKILL'});
	t.like(toRunResult(run({exited: false, signal: 9, memoryExceeded: true, timedOut: true}, cgroup({})), limits, strongestPolicy, 1024, ''), {status: 'memory_limit'});
});
