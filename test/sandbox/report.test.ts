// The helper's report, the contract with sandbox/c-runner-sandbox.c: read strictly, anything else is no report.
import test from 'ava';
import {parseReport} from '../../src/sandbox/report.ts';

const report = 'exec_errno=0\nexited=0\nexit_code=0\nsignal=11\ntimed_out=0\ncpu_exceeded=0\ncpu_ms=12\nwall_ms=15\nmax_rss_kb=1400\npeak_vm_kb=2600\nmemory_exceeded=0\n';

test('a report is read strictly', t => {
	t.deepEqual(parseReport(report), {execErrno: 0, exited: false, exitCode: 0, signal: 11, timedOut: false, cpuExceeded: false, cpuMs: 12, wallMs: 15, maxRssKb: 1400, peakVmKb: 2600, memoryExceeded: false});
	t.deepEqual(parseReport(report.replace('exited=0', 'exited=1').replace('exit_code=0', 'exit_code=139').replace('signal=11', 'signal=0'))?.exitCode, 139);
});

const malformed = test.macro((t, text: string) => {
	t.is(parseReport(text), null);
});

test('empty', malformed, '');
test('a key missing', malformed, report.replace('cpu_ms=12\n', ''));
test('keys out of order', malformed, report.replace('exited=0\nexit_code=0', 'exit_code=0\nexited=0'));
test('a value that is not a whole number', malformed, report.replace('cpu_ms=12', 'cpu_ms=-1'));
test('an extra line', malformed, `${report}forged=1\n`);
test('a forged prefix before the report', malformed, `exec_errno=0\n${report}`);
