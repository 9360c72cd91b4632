import path from 'node:path';
import type {SandboxLimits} from '../config.ts';
import {badRequest, cleanUpAfterFailure, cleanUpAfterJob} from '../job/errors.ts';
import {TextBudget} from '../job/answer-size.ts';
import {appliedLimits} from '../job/result.ts';
import {programFromCode} from '../job/language.ts';
import {compileProgram, runLimitsFor, runProgram, type Compiled, type JobDeps} from '../job/run-job.ts';
import type {Slots} from '../job/slots.ts';
import {createWorkspace, writeJobFile} from '../job/workspace.ts';
import type {SandboxUser} from '../sandbox/spawn.ts';
import {outputsMatch} from './compare.ts';
import type {JudgeRequest, TestCase} from './parse-judge.ts';
import {compileErrorResult, failureLine, skippedResult, summarize, toTestResult, verdictOf, type Judged, type JudgeResult, type TestResult} from './verdict.ts';

type SlotUser = SandboxUser | null;

/** What a judge reports while it works, for a client that streams. */
export interface JudgeListener {
	/**
	 * The request is answered whole from here on, never with a 503: it was let into a queue (the judge requests' or
	 * the slots') or it holds its slot. Told once, as soon as it is so, so that a stream can begin while it waits.
	 */
	admitted?(): void;
	compiled?(event: {readonly status: 'ok' | 'compile_error'; readonly warnings: string; readonly error: string | null}): void;
	/** One test case finished; test cases finish in any order. */
	result?(result: TestResult): void;
}

/** The compiled program and, when the request has one, the compiled checker. */
interface Programs {
	readonly program: Compiled;
	readonly checker: Compiled | null;
}

/**
 * Runs the checker on one test case in its own run sandbox: the input, the expected output and the program's output
 * as files, their paths as its arguments. Exit code 0 accepts, any other exit code is a wrong answer; its stdout is
 * the message. A checker that crashes or hits a limit is the request's fault, not the program's: a 400.
 */
async function runChecker(judge: JudgeContext, checker: Compiled, test: TestCase, index: number, output: Buffer, user: SlotUser, signal: AbortSignal): Promise<Judged> {
	const {deps, limits} = judge;
	const workspace = await createWorkspace(deps.config.jobRoot, deps.owner, user, {binaryFrom: checker.workspace.binaryPath});
	try {
		const files = [
			await writeJobFile(workspace, 'input', test.input, user),
			await writeJobFile(workspace, 'expected', test.expected, user),
			await writeJobFile(workspace, 'actual', output, user),
		];
		const {result} = await runProgram({user, deps, signal}, workspace, {args: files, stdin: null, limits, files}, checker);
		if (result.status !== 'ok' && result.status !== 'runtime_error') {
			throw badRequest(`The checker failed on testcases[${index}]: ${failureLine(result, verdictOf(result.status, false))}`);
		}

		return {matched: result.status === 'ok', checkerMessage: result.output.trimEnd()};
	} finally {
		await cleanUpAfterJob(deps.logger, async () => workspace.dispose());
	}
}

/** What every test case of one judge request shares. */
interface JudgeContext {
	readonly request: JudgeRequest;
	readonly programs: Programs;
	/** Each test case's run limits. */
	readonly limits: SandboxLimits;
	readonly deps: JobDeps;
	readonly slots: Slots;
	/** The answer's size bound, shared by the test cases in the order they finish. */
	readonly budget: TextBudget;
}

async function judgeTest(judge: JudgeContext, test: TestCase, index: number, signal: AbortSignal): Promise<TestResult> {
	const {programs, request, limits, deps} = judge;
	const slot = await judge.slots.acquire(signal, {admitted: true});
	try {
		// A fresh job directory per test case: nothing one run writes is seen by the next. The program is copied once: into
		// the run sandbox made ahead, or else into this directory.
		const workspace = await createWorkspace(deps.config.jobRoot, deps.owner, slot.user, {files: []});
		try {
			const input = {args: [], stdin: test.input, limits, programFrom: programs.program.workspace.binaryPath};
			const {result, stdout} = await runProgram({user: slot.user, deps, signal}, workspace, input, programs.program);
			// The comparison gets the bytes the program wrote, not their decoding: `exact` means bytes.
			const judged = programs.checker === null || result.status !== 'ok'
				? {matched: outputsMatch(stdout, test.expected, request.compare)}
				: await runChecker(judge, programs.checker, test, index, stdout, slot.user, signal);
			const workerId = path.basename(workspace.dir).replace(/^c_exec_/, '');
			return toTestResult(result, judged, test, index, workerId, request.compare.mode, deps.config.judge.resultBytes);
		} finally {
			await cleanUpAfterJob(deps.logger, async () => workspace.dispose());
		}
	} finally {
		slot.release();
	}
}

/** Why the test cases not yet finished were skipped: a reason the judge gave itself, not a failure. */
class Skip extends Error {}

/** A test case's texts, charged to the answer's budget in the order test cases finish (as a stream sends them). */
function withinBudget(result: TestResult, budget: TextBudget): TestResult {
	const output = budget.take(result.actual_output);
	const error = budget.take(result.error);
	// What a checker printed is the answer's text too (each already cut to the per-test-case size).
	const checkerMessage = result.checker_message === null ? null : budget.take(result.checker_message).text;
	return {
		...result,
		actual_output: output.text,
		output_truncated: result.output_truncated || output.cut,
		error: error.text,
		error_truncated: result.error_truncated || error.cut,
		checker_message: checkerMessage,
	};
}

/**
 * Runs every test case, at most `parallel` at once. The first failure of the machinery cancels the others and is
 * thrown once all have stopped, so no sandbox outlives the request. The judge's time budget running out, or a
 * failure under `stop_on_first_failure`, stops the test cases still running and starts no more: those are SKIPPED.
 */
async function judgeAll(judge: JudgeContext, signal: AbortSignal, listener: JudgeListener): Promise<TestResult[]> {
	const {request, deps} = judge;
	const results: TestResult[] = [];
	const failed = new AbortController();
	const skip = new AbortController();
	const {budgetMs} = deps.config.judge;
	const deadline = setTimeout(() => {
		skip.abort(new Skip(`Skipped: the judge's time budget of ${budgetMs} ms ran out`));
	}, budgetMs);
	const jobSignal = AbortSignal.any([signal, failed.signal, skip.signal]);
	let next = 0;
	const worker = async () => {
		while (next < request.tests.length && !jobSignal.aborted) {
			const index = next++;
			const test = request.tests[index]!;
			try {
				const result = withinBudget(await judgeTest(judge, test, index, jobSignal), judge.budget);
				results[index] = result;
				listener.result?.(result);
				if (!result.passed && request.stopOnFirstFailure) {
					skip.abort(new Skip(`Skipped: test case ${JSON.stringify(test.id)} failed (${result.verdict}) and stop_on_first_failure is set`));
				}
			} catch (error) {
				if (!(error instanceof Skip)) {
					// Only the first reason is kept: the failure that stopped the others.
					failed.abort(error);
				}
			}
		}
	};

	try {
		await Promise.all(Array.from({length: Math.min(deps.config.judge.parallel, request.tests.length)}, worker));
	} finally {
		clearTimeout(deadline);
	}

	// A client gone or a shutdown comes first; else the first failure. Either way some test cases never ran.
	signal.throwIfAborted();
	failed.signal.throwIfAborted();
	for (const [index, test] of request.tests.entries()) {
		if (results[index] === undefined) {
			results[index] = skippedResult(test, index, (skip.signal.reason as Skip).message);
			listener.result?.(results[index]);
		}
	}

	return results;
}

/** Compiles the checker (when there is one), then the program; a checker that does not compile is a 400. */
async function compileAll(request: JudgeRequest, user: SlotUser, deps: JobDeps, signal: AbortSignal): Promise<Programs> {
	const checker = request.checker === null ? null : await compileProgram(programFromCode(request.checker), {user, deps, signal});
	try {
		if (checker !== null && !checker.outcome.ok) {
			throw badRequest(`The checker did not compile:\n${checker.outcome.diagnostics}`);
		}

		return {program: await compileProgram(request.program, {user, deps, signal}), checker};
	} catch (error) {
		await cleanUpAfterFailure(async () => checker?.workspace.dispose());
		throw error;
	}
}

/**
 * The per-case CPU time limit: the request's, or the judge's own default (shorter than a single run's, so that a
 * judge of many looping test cases ends in bounded time).
 */
export const judgeLimits = (request: JudgeRequest, config: JobDeps['config']) =>
	runLimitsFor(config, {...request.limits, timeLimitMs: request.limits.timeLimitMs ?? config.judge.cpuMs});

/**
 * A judge request, top to bottom: one slot (through the queue like any request: a 503 when it is full) compiles
 * the checker (if any) and the program once; then every test case runs in its own fresh sandbox and job directory,
 * each taking a slot in turn through the same queue as everyone else, never refused; then the verdicts.
 */
export async function runJudge(request: JudgeRequest, deps: JobDeps, slots: Slots, signal: AbortSignal, listener: JudgeListener = {}, options: {readonly admitted?: boolean} = {}): Promise<JudgeResult> {
	const limits = judgeLimits(request, deps.config);
	const applied = appliedLimits(limits, deps.config.outputBytes, deps.profiles.run.policy);
	let admitted = options.admitted === true;
	const admit = () => {
		if (!admitted) {
			admitted = true;
			listener.admitted?.();
		}
	};

	// A request that already waited for its turn (options.admitted) is not refused now for a full queue.
	const slot = await slots.acquire(signal, {admitted, onQueued: admit});
	admit();
	let programs: Programs;
	try {
		programs = await compileAll(request, slot.user, deps, signal);
	} finally {
		slot.release();
	}

	try {
		const {outcome} = programs.program;
		// gcc's diagnostics come first out of the answer's budget; the test cases share the rest.
		const budget = new TextBudget(deps.config.responseBytes);
		const diagnostics = budget.take(outcome.diagnostics).text;
		listener.compiled?.({status: outcome.ok ? 'ok' : 'compile_error', warnings: outcome.ok ? diagnostics : '', error: outcome.ok ? null : diagnostics});
		if (!outcome.ok) {
			return compileErrorResult(diagnostics, request.tests.length, applied, request.ignoredFields, programs.program.cached);
		}

		const results = await judgeAll({request, programs, limits, deps, slots, budget}, signal, listener);
		const {passed, verdict, summary} = summarize(results, request.tests.length);
		return {passed, verdict, results, error: null, summary, warnings: diagnostics, limits: applied, ignored_fields: request.ignoredFields, compile_cached: programs.program.cached};
	} finally {
		// Both, even when the first cannot go.
		await cleanUpAfterJob(deps.logger, async () => programs.program.workspace.dispose(), async () => programs.checker?.workspace.dispose());
	}
}
