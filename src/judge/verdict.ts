import {cutText} from '../job/answer-size.ts';
import {trimEndLikeComparison} from './compare.ts';
import type {AppliedLimits, ExecuteResult, RunStatus} from '../job/result.ts';
import type {CompareMode, TestCase} from './parse-judge.ts';

/** `SKIPPED`: the test case did not run to the end (stop_on_first_failure, or the judge's time budget ran out). */
/** A test case's verdicts; a judge's answer may also be CE, when the program did not compile. */
export const testVerdicts = ['AC', 'WA', 'TLE', 'MLE', 'OLE', 'RE', 'SKIPPED'] as const;
export type TestVerdict = typeof testVerdicts[number];
export type Verdict = TestVerdict | 'CE';

/** One test case's result: Turbo's fields (`id`, `worker_id`, `passed`, `actual_output`, `error`, `time`, `memory`) and more. */
export interface TestResult {
	/** Position of the test case in the request. */
	readonly index: number;
	readonly id: number | string;
	/** The job that ran this test case (its directory was `c_exec_<worker_id>`). */
	readonly worker_id: string;
	readonly passed: boolean;
	readonly verdict: TestVerdict;
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
	/** null when the test case was skipped. */
	readonly exit_code: number | null;
	readonly signal: string | null;
	readonly status: RunStatus | 'skipped';
	/** What the checker program printed; null when the request had no checker or it did not run. */
	readonly checker_message: string | null;
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
	/** Top-level request fields the server did not read (Turbo's `user_id`): ignored, and said so. */
	readonly ignored_fields: readonly string[];
	/** The program's compile came from the compile cache. */
	readonly compile_cached: boolean;
}

/** A run's status as a verdict; `ok` needs the comparison to decide between AC and WA. */
export function verdictOf(status: RunStatus, matched: boolean): TestVerdict {
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

/**
 * The one line `error` carries when a test case failed by a crash, a limit or a non-zero exit and wrote nothing to
 * stderr: Turbo's client logic takes a non-empty `error` as a runtime error, an empty one as a wrong answer.
 */
export function failureLine(run: ExecuteResult, verdict: TestVerdict): string {
	const {limits} = run;
	const signalled = run.signal === null ? `exit code ${run.exit_code}` : `${run.signal} (exit code ${run.exit_code})`;
	switch (verdict) {
		case 'TLE': {
			// The CPU limit when it was passed, even if the wall clock stopped the run first (a busy machine, or a
			// policy that stops programs at whole seconds of CPU only).
			const overCpu = run.stopped_by === 'cpu_time' || (run.cpu_ms ?? 0) > limits.cpu_time_ms;
			return overCpu
				? `Time limit exceeded: ${limits.cpu_time_ms} ms CPU`
				: `Time limit exceeded: ${limits.wall_time_ms} ms wall clock`;
		}

		case 'MLE': {
			return `Memory limit exceeded: ${limits.memory_mb} MiB`;
		}

		case 'OLE': {
			return `Output limit exceeded: ${limits.output_bytes} bytes`;
		}

		case 'RE': {
			return run.status === 'file_size_limit'
				? `Runtime error: ${signalled}, file size limit of ${limits.file_size_mb} MiB`
				: `Runtime error: ${signalled}`;
		}

		case 'AC':
		case 'WA':
		case 'SKIPPED': {
			return '';
		}
	}
}

/** How the output was judged: by the comparison, or by the checker program (with what it printed). */
export interface Judged {
	readonly matched: boolean;
	readonly checkerMessage?: string;
}

export function toTestResult(
	run: ExecuteResult,
	judged: Judged,
	test: TestCase,
	index: number,
	workerId: string,
	compare: CompareMode,
	resultBytes: number,
): TestResult {
	const verdict = verdictOf(run.status, judged.matched);
	// Like Turbo, the output shown is trimmed at the end, unless the comparison is exact: of the whitespace `trim` ignores.
	const output = cutText(compare === 'exact' ? run.output : trimEndLikeComparison(run.output), resultBytes);
	const error = cutText(run.error === '' ? failureLine(run, verdict) : run.error, resultBytes);
	return {
		index,
		id: test.id,
		worker_id: workerId,
		passed: verdict === 'AC',
		verdict,
		actual_output: output.text,
		// Cut here, or the stream itself passed the output cap (the other stream is whole as far as it went).
		output_truncated: output.cut || run.output_limit_stream === 'stdout',
		error: error.text,
		error_truncated: error.cut || run.output_limit_stream === 'stderr',
		time: `${run.time_ms ?? 0}ms`,
		memory: run.memory_kb === null ? 'unknown' : mebibytes(run.memory_kb),
		time_ms: run.time_ms,
		cpu_ms: run.cpu_ms,
		memory_kb: run.memory_kb,
		exit_code: run.exit_code,
		signal: run.signal,
		status: run.status,
		checker_message: judged.checkerMessage === undefined ? null : cutText(judged.checkerMessage, resultBytes).text,
	};
}

/** A test case that did not run to the end: `reason` says why, in `error`, so no client takes it for a pass. */
export function skippedResult(test: TestCase, index: number, reason: string): TestResult {
	return {
		index,
		id: test.id,
		worker_id: '',
		passed: false,
		verdict: 'SKIPPED',
		actual_output: '',
		output_truncated: false,
		error: reason,
		error_truncated: false,
		time: '0ms',
		memory: 'unknown',
		time_ms: null,
		cpu_ms: null,
		memory_kb: null,
		exit_code: null,
		signal: null,
		status: 'skipped',
		checker_message: null,
	};
}

/**
 * Accepted only when every test case passed; otherwise the verdict of the first failure in request order, a test
 * case that ran before one that was skipped; SKIPPED only when nothing failed but some did not run.
 */
export function summarize(results: readonly TestResult[], total: number): Pick<JudgeResult, 'passed' | 'verdict' | 'summary'> {
	const failure = results.find(result => !result.passed && result.verdict !== 'SKIPPED') ?? results.find(result => !result.passed);
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

export function compileErrorResult(diagnostics: string, total: number, limits: AppliedLimits, ignoredFields: readonly string[], compileCached = false): JudgeResult {
	return {
		passed: false,
		verdict: 'CE',
		results: [],
		error: diagnostics,
		summary: {passed: 0, total, first_failure: null},
		warnings: '',
		limits,
		ignored_fields: ignoredFields,
		compile_cached: compileCached,
	};
}
