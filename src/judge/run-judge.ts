import path from 'node:path';
import type {SandboxLimits} from '../config.ts';
import {TextBudget} from '../job/answer-size.ts';
import {appliedLimits} from '../job/result.ts';
import {compileProgram, runLimitsFor, runProgram, type Compiled, type JobDeps} from '../job/run-job.ts';
import type {Slots} from '../job/slots.ts';
import {createWorkspace} from '../job/workspace.ts';
import type {JudgeRequest, TestCase} from './parse-judge.ts';
import {compileErrorResult, summarize, toTestResult, type JudgeResult, type TestResult} from './verdict.ts';

/** What a judge reports while it works, for a client that streams. */
export interface JudgeListener {
	/** The request holds a slot: from here on it is answered whole, never with a 503. */
	admitted?(): void;
	compiled?(event: {readonly status: 'ok' | 'compile_error'; readonly warnings: string; readonly error: string | null}): void;
	/** One test case finished; test cases finish in any order. */
	result?(result: TestResult): void;
}

async function judgeTest(
	compiled: Compiled,
	test: TestCase,
	index: number,
	request: JudgeRequest,
	limits: SandboxLimits,
	deps: JobDeps,
	slots: Slots,
	signal: AbortSignal,
): Promise<TestResult> {
	const slot = await slots.acquire(signal, {admitted: true});
	try {
		// A fresh job directory per test case: nothing one run writes is seen by the next.
		const workspace = await createWorkspace(deps.config.jobRoot, deps.owner, slot.user, {binaryFrom: compiled.workspace.binaryPath});
		try {
			const run = await runProgram(workspace, {args: [], stdin: test.input, limits}, compiled, slot.user, deps, signal);
			const workerId = path.basename(workspace.dir).replace(/^c_exec_/, '');
			return toTestResult(run, test, index, workerId, request.compare, deps.config.judge.resultBytes);
		} finally {
			await workspace.dispose();
		}
	} finally {
		slot.release();
	}
}

/** A test case's texts, charged to the answer's budget in the order test cases finish (as a stream sends them). */
function withinBudget(result: TestResult, budget: TextBudget): TestResult {
	const output = budget.take(result.actual_output);
	const error = budget.take(result.error);
	return {
		...result,
		actual_output: output.text,
		output_truncated: result.output_truncated || output.cut,
		error: error.text,
		error_truncated: result.error_truncated || error.cut,
	};
}

/**
 * Runs every test case, at most `parallel` at once. The first failure of the machinery cancels the others and is
 * thrown once all have stopped, so no sandbox outlives the request.
 */
async function judgeAll(
	compiled: Compiled,
	request: JudgeRequest,
	limits: SandboxLimits,
	deps: JobDeps,
	slots: Slots,
	signal: AbortSignal,
	listener: JudgeListener,
	budget: TextBudget,
): Promise<TestResult[]> {
	const results: TestResult[] = [];
	const failed = new AbortController();
	const jobSignal = AbortSignal.any([signal, failed.signal]);
	let next = 0;
	const worker = async () => {
		while (next < request.tests.length && !jobSignal.aborted) {
			const index = next++;
			try {
				const result = withinBudget(await judgeTest(compiled, request.tests[index]!, index, request, limits, deps, slots, jobSignal), budget);
				results[index] = result;
				listener.result?.(result);
			} catch (error) {
				// Only the first reason is kept: the failure that stopped the others.
				failed.abort(error);
			}
		}
	};

	await Promise.all(Array.from({length: Math.min(deps.config.judge.parallel, request.tests.length)}, worker));
	// A client gone or a shutdown comes first; else the first failure. Either way some test cases never ran.
	signal.throwIfAborted();
	failed.signal.throwIfAborted();
	return results;
}

/**
 * A judge request, top to bottom: one slot (through the queue like any request: a 503 when it is full) compiles
 * the program once; then every test case runs in its own fresh sandbox and job directory, each taking a slot in
 * turn through the same queue as everyone else, never refused; then the verdicts.
 */
export async function runJudge(request: JudgeRequest, deps: JobDeps, slots: Slots, signal: AbortSignal, listener: JudgeListener = {}): Promise<JudgeResult> {
	const limits = runLimitsFor(deps.config, request.limits);
	const applied = appliedLimits(limits, deps.config.outputBytes);
	const slot = await slots.acquire(signal);
	listener.admitted?.();
	let compiled: Compiled;
	try {
		compiled = await compileProgram(request.code, slot.user, deps, signal);
	} finally {
		slot.release();
	}

	try {
		const {outcome} = compiled;
		// gcc's diagnostics come first out of the answer's budget; the test cases share the rest.
		const budget = new TextBudget(deps.config.responseBytes);
		const diagnostics = budget.take(outcome.diagnostics).text;
		listener.compiled?.({status: outcome.ok ? 'ok' : 'compile_error', warnings: outcome.ok ? diagnostics : '', error: outcome.ok ? null : diagnostics});
		if (!outcome.ok) {
			return compileErrorResult(diagnostics, request.tests.length, applied);
		}

		const results = await judgeAll(compiled, request, limits, deps, slots, signal, listener, budget);
		const {passed, verdict, summary} = summarize(results, request.tests.length);
		return {passed, verdict, results, error: null, summary, warnings: diagnostics, limits: applied};
	} finally {
		await compiled.workspace.dispose();
	}
}
