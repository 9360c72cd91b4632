import test from 'ava';
import {loadConfig} from '../../src/config.ts';
import {strongestPolicy} from '../../src/sandbox/profiles.ts';
import {toInteractiveResult} from '../../src/interactive/session.ts';
import type {Compiled} from '../../src/job/run-job.ts';
import type {SandboxRun} from '../../src/sandbox/spawn.ts';
import type {HelperReport} from '../../src/sandbox/report.ts';

const limits = loadConfig({}).run;
const compiled: Compiled = {
	// Only the outcome and the static size are read.
	workspace: {dir: '/tmp/x', binaryPath: '/tmp/x/source', dispose: async () => {}} as Compiled['workspace'],
	outcome: {ok: true, diagnostics: 'a warning\n', stoppedBy: null},
	staticKb: 0,
	cached: false,
};
const report = (fields: Partial<HelperReport>): HelperReport => ({
	execErrno: 0, exited: true, exitCode: 0, signal: 0, timedOut: false, cpuExceeded: false, cpuMs: 3, wallMs: 1500, maxRssKb: 1400, peakVmKb: 2500, ...fields,
}) as HelperReport;
const run = (fields: Partial<SandboxRun>): SandboxRun => ({
	stdout: Buffer.from('ready\n'), stderr: Buffer.alloc(0), report: report({}), overflowed: null, backstopFired: false, canceled: false, durationMs: 1520, ...fields,
});

test('a run that ended by itself: the /execute_c result, not idle', t => {
	t.like(toInteractiveResult(run({}), limits, strongestPolicy, 1024, compiled, false, null), {status: 'ok', output: 'ready\n', warnings: 'a warning\n', idle_timeout: false, cpu_ms: 3});
});

test('stopped by the idle limit through the relay: a time limit with the helper\'s figures', t => {
	const stopped = run({report: report({exited: false, exitCode: 0, signal: 9})});
	t.like(toInteractiveResult(stopped, limits, strongestPolicy, 1024, compiled, true, null), {status: 'time_limit', stopped_by: 'wall_time', timed_out: true, idle_timeout: true, exit_code: -9, cpu_ms: 3, memory_kb: 1400});
});

test('the idle limit does not hide an output limit reached first', t => {
	t.like(toInteractiveResult(run({overflowed: 'stdout'}), limits, strongestPolicy, 1024, compiled, true, null), {status: 'output_limit', idle_timeout: false});
});

test('a relay that did not answer: the server\'s own stop, without figures', t => {
	const killed = run({report: null});
	t.like(toInteractiveResult(killed, limits, strongestPolicy, 1024, compiled, true, 'idle'), {status: 'time_limit', idle_timeout: true, exit_code: -9, cpu_ms: null, memory_kb: null});
	t.like(toInteractiveResult(killed, limits, strongestPolicy, 1024, compiled, false, 'kill'), {status: 'signalled', signal: 'SIGKILL', exit_code: -9, timed_out: false, stopped_by: null, idle_timeout: false});
});

test('a client\'s kill answered by the relay: signalled, with the helper\'s figures', t => {
	t.like(toInteractiveResult(run({report: report({exited: false, signal: 9})}), limits, strongestPolicy, 1024, compiled, false, null), {status: 'signalled', signal: 'SIGKILL', idle_timeout: false, memory_kb: 1400});
});
