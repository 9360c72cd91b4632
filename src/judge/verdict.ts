import {cutText} from '../job/answer-size.ts';
import type {AppliedLimits, ExecuteResult, RunStatus} from '../job/result.ts';
import type {CompareMode, TestCase} from './parse-judge.ts';

export type Verdict = 'AC' | 'WA' | 'TLE' | 'MLE' | 'OLE' | 'RE' | 'CE';

/** One test case's result: Turbo's fields (`id`, `worker_id`, `passed`, `actual_output`, `error`, `time`, `memory`) and more. */
export interface TestResult {
	/** Position of the test case in the request. */
	readonly index: number;
	readonly id: number | string;
	/** The job that ran this test case (its directory was `c_exec_<worker_id>`). */
	readonly worker_id: string;
	readonly passed: boolean;
	readonly verdict: Exclude<Verdict, 'CE'>;
	readonly actual_output: string;
	readonly output_truncated: boolean;
	readonly error: string;
	readonly error_truncated: boolean;
	/** `time_ms` as Turbo's string, e.g. "12ms". */
	readonly time: string;
	/** `memory_kb` as Turbo's string in MiB, e.g. "1.3MB"; "unknown" when not measured. */
	readonly memory: string;
	readonly time_ms: number | null;
	readonly cpu_ms: number | null;
	readonly memory_kb: number | null;
	readonly exit_code: number;
	readonly signal: string | null;
	readonly status: RunStatus;
}

export interface JudgeSummary {
	readonly passed: number;
	readonly total: number;
	/** The first test case, in request order, that did not pass; null when all passed or none ran. */
	readonly first_failure: {readonly index: number; readonly id: number | string; readonly verdict: Verdict} | null;
}

export interface JudgeResult {
	readonly passed: boolean;
	readonly verdict: Verdict;
	readonly results: readonly TestResult[];
	/** null, or gcc's own message when the program did not compile (Turbo's top-level `error`). */
	readonly error: string | null;
	readonly summary: JudgeSummary;
	readonly warnings: string;
	readonly limits: AppliedLimits;
}

/** What is compared: with `trim`, trailing whitespace on each line and trailing newlines do not count. */
export function normalizeOutput(text: string, mode: CompareMode): string {
	if (mode === 'exact') {
		return text;
	}

	return text.split('\n').map(line => line.replace(/[ \t\r\f\v]+$/, '')).join('\n').replace(/\n+$/, '');
}

export const outputsMatch = (actual: string, expected: string, mode: CompareMode) =>
	normalizeOutput(actual, mode) === normalizeOutput(expected, mode);

/** A run's status as a verdict; `ok` needs the comparison to decide between AC and WA. */
export function verdictOf(status: RunStatus, matched: boolean): Exclude<Verdict, 'CE'> {
	switch (status) {
		case 'ok': {
			return matched ? 'AC' : 'WA';
		}

		case 'time_limit': {
			return 'TLE';
		}

		case 'memory_limit': {
			return 'MLE';
		}

		case 'output_limit': {
			return 'OLE';
		}

		case 'runtime_error':
		case 'signalled':
		case 'file_size_limit':
		case 'compile_error': {
			return 'RE';
		}
	}
}

const mebibytes = (kb: number) => `${(kb / 1024).toFixed(1)}MB`;

export function toTestResult(
	run: ExecuteResult,
	test: TestCase,
	index: number,
	workerId: string,
	compare: CompareMode,
	resultBytes: number,
): TestResult {
	const matched = outputsMatch(run.output, test.expected, compare);
	const verdict = verdictOf(run.status, matched);
	// Like Turbo, the output shown is trimmed at the end, unless the comparison is exact.
	const output = cutText(compare === 'exact' ? run.output : run.output.trimEnd(), resultBytes);
	const error = cutText(run.error, resultBytes);
	return {
		index,
		id: test.id,
		worker_id: workerId,
		passed: verdict === 'AC',
		verdict,
		actual_output: output.text,
		output_truncated: output.cut || run.truncated,
		error: error.text,
		error_truncated: error.cut,
		time: `${run.time_ms ?? 0}ms`,
		memory: run.memory_kb === null ? 'unknown' : mebibytes(run.memory_kb),
		time_ms: run.time_ms,
		cpu_ms: run.cpu_ms,
		memory_kb: run.memory_kb,
		exit_code: run.exit_code,
		signal: run.signal,
		status: run.status,
	};
}

/** Accepted only when every test case passed; otherwise the verdict of the first failure in request order. */
export function summarize(results: readonly TestResult[], total: number): Pick<JudgeResult, 'passed' | 'verdict' | 'summary'> {
	const failure = results.find(result => !result.passed);
	const passed = results.filter(result => result.passed).length;
	return {
		passed: failure === undefined && passed === total,
		verdict: failure?.verdict ?? 'AC',
		summary: {
			passed,
			total,
			first_failure: failure === undefined ? null : {index: failure.index, id: failure.id, verdict: failure.verdict},
		},
	};
}

export function compileErrorResult(diagnostics: string, total: number, limits: AppliedLimits): JudgeResult {
	return {
		passed: false,
		verdict: 'CE',
		results: [],
		error: diagnostics,
		summary: {passed: 0, total, first_failure: null},
		warnings: '',
		limits,
	};
}
