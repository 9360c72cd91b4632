import test from 'ava';
import type {ExecuteResult, RunStatus} from '../../src/job/result.ts';
import {normalizeOutput, outputsMatch, summarize, toTestResult, verdictOf, type TestResult} from '../../src/judge/verdict.ts';
import {result} from '../helpers/fake-app.ts';

test('trim: trailing whitespace on each line and trailing newlines do not count', t => {
	t.true(outputsMatch('1 2 \n3\t\r\n\n\n', '1 2\n3', 'trim'));
	t.true(outputsMatch('10', '10\n', 'trim'));
	t.is(normalizeOutput('a  \r\nb \n\n', 'trim'), 'a\nb');
});

test('trim: leading whitespace, inner whitespace and blank lines inside still count', t => {
	t.false(outputsMatch(' 10', '10', 'trim'));
	t.false(outputsMatch('1  2', '1 2', 'trim'));
	t.false(outputsMatch('1\n\n2', '1\n2', 'trim'));
	t.false(outputsMatch('', '0', 'trim'));
});

test('exact: byte equality, a trailing newline included', t => {
	t.true(outputsMatch('10\n', '10\n', 'exact'));
	t.false(outputsMatch('10\n', '10', 'exact'));
	t.false(outputsMatch('10 \n', '10\n', 'exact'));
});

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
	t.is(toTestResult({...result, status: 'time_limit', output: '10'}, {id: 0, input: '', expected: '10'}, 0, 'w', 'trim', 100).verdict, 'TLE');
});

const run = (changes: Partial<ExecuteResult>): ExecuteResult => ({...result, ...changes});

test('a test result has Turbo\'s fields with real figures, and ours', t => {
	const tested = toTestResult(run({output: '10\n', time_ms: 12, cpu_ms: 3, memory_kb: 1331}), {id: 7, input: '5', expected: '10'}, 2, 'uuid', 'trim', 100);
	t.deepEqual(tested, {
		index: 2, id: 7, worker_id: 'uuid', passed: true, verdict: 'AC', actual_output: '10', output_truncated: false, error: '', error_truncated: false,
		time: '12ms', memory: '1.3MB', time_ms: 12, cpu_ms: 3, memory_kb: 1331, exit_code: 0, signal: null, status: 'ok',
	});
});

test('the output shown is trimmed at the end for trim, kept as it is for exact; long output is cut and flagged', t => {
	t.is(toTestResult(run({output: 'a \n\n'}), {id: 0, input: '', expected: 'a'}, 0, 'w', 'exact', 100).actual_output, 'a \n\n');
	const long = toTestResult(run({output: 'x'.repeat(50), error: 'e'.repeat(50)}), {id: 0, input: '', expected: 'x'.repeat(50)}, 0, 'w', 'trim', 10);
	t.like(long, {actual_output: 'x'.repeat(10), output_truncated: true, error: 'e'.repeat(10), error_truncated: true, verdict: 'AC'});
});

test('unmeasured memory is "unknown", never a made-up number', t => {
	t.like(toTestResult(run({status: 'output_limit', memory_kb: null, cpu_ms: null}), {id: 0, input: '', expected: ''}, 0, 'w', 'trim', 10), {memory: 'unknown', memory_kb: null, verdict: 'OLE'});
});

const tested = (index: number, verdict: TestResult['verdict']) => ({...toTestResult(result, {id: `t${index}`, input: '', expected: ''}, index, 'w', 'trim', 10), passed: verdict === 'AC', verdict});

test('summary: accepted only when all pass; otherwise the first failure in request order', t => {
	t.deepEqual(summarize([tested(0, 'AC'), tested(1, 'AC')], 2), {passed: true, verdict: 'AC', summary: {passed: 2, total: 2, first_failure: null}});
	t.deepEqual(summarize([tested(0, 'AC'), tested(1, 'TLE'), tested(2, 'WA')], 3), {
		passed: false, verdict: 'TLE', summary: {passed: 1, total: 3, first_failure: {index: 1, id: 't1', verdict: 'TLE'}},
	});
});
