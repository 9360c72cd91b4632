import test from 'ava';
import type {ExecuteResult, RunStatus} from '../../src/job/result.ts';
import {failureLine, skippedResult, summarize, toTestResult, verdictOf, type TestResult} from '../../src/judge/verdict.ts';
import {result} from '../helpers/fake-app.ts';

test('statuses map to verdicts', t => {
	const table: Array<[RunStatus, boolean, TestResult['verdict']]> = [
		['ok', true, 'AC'], ['ok', false, 'WA'], ['time_limit', true, 'TLE'], ['memory_limit', false, 'MLE'],
		['output_limit', true, 'OLE'], ['runtime_error', true, 'RE'], ['signalled', true, 'RE'], ['file_size_limit', true, 'RE'],
	];
	for (const [status, matched, verdict] of table) {
		t.is(verdictOf(status, matched), verdict, `${status}, matched ${matched}`);
	}
});

test('a limit status is never AC even when the output matches', t => {
	t.is(toTestResult({...result, status: 'time_limit', output: '10'}, {matched: true}, {id: 0, input: '', expected: '10'}, 0, 'w', 'trim', 100).verdict, 'TLE');
});

const run = (changes: Partial<ExecuteResult>): ExecuteResult => ({...result, ...changes});

test('a test result has Turbo\'s fields with real figures, and ours', t => {
	const tested = toTestResult(run({output: '10\n', time_ms: 12, cpu_ms: 3, memory_kb: 1331}), {matched: true}, {id: 7, input: '5', expected: '10'}, 2, 'uuid', 'trim', 100);
	t.deepEqual(tested, {
		index: 2, id: 7, worker_id: 'uuid', passed: true, verdict: 'AC', actual_output: '10', output_truncated: false, error: '', error_truncated: false,
		time: '12ms', memory: '1.3MB', time_ms: 12, cpu_ms: 3, memory_kb: 1331, exit_code: 0, signal: null, status: 'ok', checker_message: null,
	});
});

test('the output shown is trimmed at the end for trim, kept as it is for exact; long output is cut and flagged', t => {
	t.is(toTestResult(run({output: 'a \n\n'}), {matched: false}, {id: 0, input: '', expected: 'a'}, 0, 'w', 'exact', 100).actual_output, 'a \n\n');
	const long = toTestResult(run({output: 'x'.repeat(50), error: 'e'.repeat(50)}), {matched: true}, {id: 0, input: '', expected: 'x'.repeat(50)}, 0, 'w', 'trim', 10);
	t.like(long, {actual_output: 'x'.repeat(10), output_truncated: true, error: 'e'.repeat(10), error_truncated: true, verdict: 'AC'});
});

test('a stream that passed the output cap is flagged as cut, the other stream is not', t => {
	const judged = (stream: 'stdout' | 'stderr') => toTestResult(run({status: 'output_limit', truncated: true, output_limit_stream: stream, output: 'o', error: 'e'}), {matched: false}, {id: 0, input: '', expected: ''}, 0, 'w', 'trim', 100);
	t.like(judged('stdout'), {verdict: 'OLE', output_truncated: true, error_truncated: false, actual_output: 'o', error: 'e'});
	t.like(judged('stderr'), {verdict: 'OLE', output_truncated: false, error_truncated: true, actual_output: 'o', error: 'e'});
});

test('the output shown drops only the whitespace trim ignores: a no-break space the comparison keeps stays in sight', t => {
	const shown = (output: string) => toTestResult(run({output}), {matched: false}, {id: 0, input: '', expected: '10'}, 0, 'w', 'trim', 100).actual_output;
	t.is(shown('10 \t\r\f\v\n\n'), '10');
	t.is(shown('10\u00a0\n'), '10\u00a0');
	t.is(shown('10\u3000'), '10\u3000');
	t.is(shown('10\ufeff'), '10\ufeff');
});

test('unmeasured memory is "unknown", never a made-up number', t => {
	t.like(toTestResult(run({status: 'output_limit', memory_kb: null, cpu_ms: null, error: 'x'}), {matched: true}, {id: 0, input: '', expected: ''}, 0, 'w', 'trim', 10), {memory: 'unknown', memory_kb: null, verdict: 'OLE'});
});

const tested = (index: number, verdict: TestResult['verdict']) => ({...toTestResult(result, {matched: true}, {id: `t${index}`, input: '', expected: ''}, index, 'w', 'trim', 10), passed: verdict === 'AC', verdict});

test('summary: accepted only when all pass; otherwise the first failure in request order', t => {
	t.deepEqual(summarize([tested(0, 'AC'), tested(1, 'AC')], 2), {passed: true, verdict: 'AC', summary: {passed: 2, total: 2, first_failure: null}});
	t.deepEqual(summarize([tested(0, 'AC'), tested(1, 'TLE'), tested(2, 'WA')], 3), {
		passed: false, verdict: 'TLE', summary: {passed: 1, total: 3, first_failure: {index: 1, id: 't1', verdict: 'TLE'}},
	});
});

test('SKIPPED: never the overall verdict while a test case that ran failed', t => {
	const skipped = skippedResult({id: 't0', input: '', expected: ''}, 0, 'Skipped: budget');
	t.like(skipped, {passed: false, verdict: 'SKIPPED', status: 'skipped', error: 'Skipped: budget', exit_code: null, time_ms: null});
	t.like(summarize([skipped, tested(1, 'WA')], 2), {passed: false, verdict: 'WA', summary: {passed: 0, first_failure: {index: 1, verdict: 'WA'}}});
	t.like(summarize([tested(0, 'AC'), skipped], 2), {passed: false, verdict: 'SKIPPED', summary: {passed: 1, first_failure: {index: 0, verdict: 'SKIPPED'}}});
});

test('a failure with an empty stderr says what happened in one line; stderr, when there is one, stays', t => {
	const failed = (changes: Partial<ExecuteResult>) => toTestResult(run({output: '', ...changes}), {matched: false}, {id: 0, input: '', expected: 'x'}, 0, 'w', 'trim', 1000).error;
	t.is(failed({status: 'signalled', exit_code: -11, signal: 'SIGSEGV'}), 'Runtime error: SIGSEGV (exit code -11)');
	t.is(failed({status: 'signalled', exit_code: -6, signal: 'SIGABRT'}), 'Runtime error: SIGABRT (exit code -6)');
	t.is(failed({status: 'runtime_error', exit_code: 3}), 'Runtime error: exit code 3');
	t.is(failed({status: 'time_limit', stopped_by: 'cpu_time', exit_code: -9, signal: 'SIGKILL', limits: {...result.limits, cpu_time_ms: 1000}}), 'Time limit exceeded: 1000 ms CPU');
	t.is(failed({status: 'time_limit', stopped_by: 'wall_time', exit_code: -9, signal: 'SIGKILL', cpu_ms: 2, limits: {...result.limits, wall_time_ms: 3000}}), 'Time limit exceeded: 3000 ms wall clock');
	t.is(failed({status: 'time_limit', stopped_by: 'wall_time', exit_code: -9, signal: 'SIGKILL', cpu_ms: 700, limits: {...result.limits, cpu_time_ms: 300}}), 'Time limit exceeded: 300 ms CPU', 'over the CPU limit, stopped by the wall clock');
	t.is(failed({status: 'memory_limit', exit_code: -11, signal: 'SIGSEGV'}), 'Memory limit exceeded: 256 MiB');
	t.is(failed({status: 'output_limit', exit_code: -9, signal: 'SIGKILL'}), 'Output limit exceeded: 1048576 bytes');
	t.is(failed({status: 'file_size_limit', exit_code: -25, signal: 'SIGXFSZ'}), 'Runtime error: SIGXFSZ (exit code -25), file size limit of 16 MiB');
	t.is(failed({status: 'ok'}), '', 'a wrong answer has no error');
	t.is(failed({status: 'runtime_error', exit_code: 3, error: 'bad input\n'}), 'bad input\n');
	t.is(failureLine(run({status: 'ok'}), 'AC'), '');
});

test('a checker\'s message is kept', t => {
	t.like(toTestResult(run({}), {matched: false, checkerMessage: 'expected 3 numbers'}, {id: 0, input: '', expected: ''}, 0, 'w', 'trim', 100), {verdict: 'WA', checker_message: 'expected 3 numbers'});
});
