// The Piston and Judge0 routes: their clients' requests in, c-runner's runs, their clients' answers out.
import {randomUUID} from 'node:crypto';
import {setTimeout} from 'node:timers/promises';
import type {Router} from '@koa/router';
import type {Middleware} from 'koa';
import type {Logger} from 'pino';
import type {Config} from '../config.ts';
import {parsed, type AppState} from '../http/context.ts';
import {logFault, requestFailure} from '../http/error-handler.ts';
import {AppError, toHttpError} from '../http/errors.ts';
import {jsonBody} from '../http/json-body.ts';
import {setJson} from '../http/send.ts';
import {BusyError, RequestError} from '../job/errors.ts';
import {compileArgv, languageSpecs} from '../job/language.ts';
import {parseCompileOptions, parseProgram, type ExecuteRequest, type RequestedLimits} from '../job/parse-request.ts';
import type {ExecuteResult} from '../job/result.ts';
import {maxWallMs} from '../job/run-job.ts';
import type {Runner} from '../runner.ts';
import {
	helperProcesses, isArchivedId, judge0AllLanguages, judge0ConfigInfo, Judge0FieldError, judge0Attributes, judge0LanguageIds, judge0LanguageName, judge0Languages, judge0Statuses, parseJudge0Submission, pickFields, SubmissionStore,
	type Judge0Submission, type StoredSubmission,
} from './judge0.ts';
import {parsePistonRequest, PistonError, pistonRuntimes, toPistonResponse, type PistonRequest} from './piston.ts';

export interface CompatDeps {
	readonly config: Pick<Config, 'bodyLimitBytes' | 'runMax' | 'run' | 'linker' | 'responseBytes'>;
	readonly runner: Runner;
	/** gcc's version, `12.2.0`: what Piston's runtimes and Judge0's language names report. */
	readonly compilerVersion: string;
	readonly submissions: Judge0Jobs;
}

/** How often a stored submission that found the job queue full asks again. */
const queuedRetryMs = 100;

/**
 * Judge0's asynchronous submissions: each runs in the background, its result kept in the store. `drain` waits for
 * every one still running (the server's shutdown aborts them through `signal` first), so no sandbox or job
 * directory outlives the server.
 */
export class Judge0Jobs {
	readonly store: SubmissionStore;
	readonly #running = new Set<Promise<void>>();
	readonly #runner: Runner;
	readonly #signal: AbortSignal;
	readonly #logger: Logger;

	constructor(store: SubmissionStore, runner: Runner, signal: AbortSignal, logger: Logger) {
		this.store = store;
		this.#runner = runner;
		this.#signal = signal;
		this.#logger = logger;
	}

	/** null when the store is full. `log`: the request's, so that a failure logged later names the request that sent it. */
	submit(submission: Judge0Submission, request: ExecuteRequest, log: Logger = this.#logger): StoredSubmission | null {
		const stored = this.store.add(submission);
		if (stored === null) {
			return null;
		}

		const finishedAt = () => new Date().toISOString();
		const job = (async () => {
			try {
				const result = await this.#whenRun(stored.token, request, log);
				this.store.update(stored.token, entry => ({token: entry.token, submission: entry.submission, createdAt: entry.createdAt, state: 'done', result, finishedAt: finishedAt()}));
			} catch (error) {
				const known = toHttpError(error);
				// A stop that cancels the submission is no fault; the host's failure behind an answer, or none, is.
				if (!this.#signal.aborted && (known === null || known.fault !== null)) {
					logFault(log.child({token: stored.token}), known?.fault ?? error);
				}

				const message = known?.message ?? 'internal error while running the submission';
				this.store.update(stored.token, entry => ({token: entry.token, submission: entry.submission, createdAt: entry.createdAt, state: 'failed', message, finishedAt: finishedAt()}));
			}
		})();
		this.#running.add(job);
		void job.finally(() => this.#running.delete(job));
		return stored;
	}

	/**
	 * Runs a stored submission: one the job queue has no room for waits, `In Queue`, and asks again (the store's size
	 * bounds how many wait), instead of failing as a busy server's direct request would.
	 */
	async #whenRun(token: string, request: ExecuteRequest, log: Logger): Promise<ExecuteResult> {
		for (;;) {
			try {
				// In Queue while it waits for a job slot, as Judge0's until a worker takes it; Processing from then on.
				return await this.#runner.execute(request, this.#signal, log.child({token}), () => {
					this.store.update(token, entry => ({...entry, state: 'running'}));
				});
			} catch (error) {
				if (!(error instanceof BusyError)) {
					throw error;
				}

				this.store.update(token, entry => ({...entry, state: 'queued'}));
				await setTimeout(queuedRetryMs, undefined, {signal: this.#signal});
			}
		}
	}

	get running() {
		return this.#running.size;
	}

	async drain(): Promise<void> {
		await Promise.all([...this.#running]);
	}
}


/** A client's CPU, memory and wall-clock limits (null: the server's default) as c-runner's requested limits. */
const requestedLimits = (cpuMs: number | null, memoryMb: number | null, wallMs: number | null): RequestedLimits =>
	({timeLimitMs: cpuMs, memoryLimitMb: memoryMb, ...(wallMs === null ? {} : {wallLimitMs: wallMs})});

/**
 * A Piston request as c-runner's own `files`: one file is the language's source file whatever its name; of several,
 * each is compiled when it is a source. As Piston, an empty file is compiled (and fails there), not refused.
 */
function pistonExecuteRequest(request: PistonRequest): ExecuteRequest {
	const {sourceName} = languageSpecs[request.language];
	const extension = sourceName.slice(sourceName.lastIndexOf('.'));
	const body = {
		language: request.language,
		files: request.files.length === 1
			? [{name: sourceName, content: request.files[0]!.content}]
			: request.files.map((file, index) => ({name: file.name ?? `file${index}${extension}`, content: file.content})),
	};
	let program;
	try {
		program = parseProgram(body);
	} catch (error) {
		throw error instanceof RequestError ? new PistonError(error.message) : error;
	}

	return {
		program,
		args: request.args,
		stdin: request.stdin,
		limits: requestedLimits(request.runCpuMs, request.runMemoryMb, request.runWallMs),
	};
}

function judge0ExecuteRequest(submission: Judge0Submission): ExecuteRequest {
	let options;
	try {
		options = parseCompileOptions({language: submission.language, std: submission.std ?? undefined, optimize: submission.optimize ?? undefined});
	} catch (error) {
		throw error instanceof RequestError ? new Judge0FieldError({compiler_options: [error.message]}) : error;
	}

	return {
		program: {options, files: [{name: languageSpecs[submission.language].sourceName, content: submission.sourceCode}]},
		args: submission.args,
		stdin: submission.stdin,
		limits: {
			...requestedLimits(submission.cpuTimeLimitMs, submission.memoryLimitMb, submission.wallTimeLimitMs),
			...(submission.fileSizeMb === null ? {} : {fileSizeMb: submission.fileSizeMb}),
			...(submission.stackMb === null ? {} : {stackMb: submission.stackMb}),
			...(submission.processes === null ? {} : {processes: submission.processes + helperProcesses}),
		},
	};
}

const flag = (value: unknown) => value === 'true' || value === '1';
const queryText = (value: unknown) => typeof value === 'string' ? value : undefined;

/** A route whose API answers its own refusals its own way: `error` of class `kind` becomes `status` and `body(error)`. */
function refusals<E extends Error>(kind: new (...args: never[]) => E, status: number, body: (error: E) => unknown): Middleware<AppState> {
	return async (ctx, next) => {
		try {
			await next();
		} catch (error) {
			if (!(error instanceof kind)) {
				throw error;
			}

			ctx.status = status;
			setJson(ctx, body(error));
		}
	};
}

/** Judge0 answers its validation failures with 422 and `{field: [messages]}`. */
const judge0Errors = refusals(Judge0FieldError, 422, error => error.fields);

/** Piston's clients read every refusal as `{message}`: its own 400s, and a bad body, a full server, …, too. */
const pistonErrors = (bodyLimitBytes: number): Middleware<AppState> => async (ctx, next) => {
	try {
		await next();
	} catch (error) {
		const known = error instanceof PistonError ? new AppError(400, error.message) : requestFailure(error, bodyLimitBytes);
		if (known === null) {
			throw error;
		}

		if (known.fault !== null) {
			logFault(ctx.state.log, known.fault);
		}

		ctx.status = known.status;
		ctx.set(known.headers);
		setJson(ctx, {message: known.message});
	}
};

export function registerPiston(router: Router<AppState>, deps: CompatDeps) {
	// Piston reads its body as JSON whatever its Content-Type; its Node client sends none (node-fetch: text/plain).
	const parseAnyJson = jsonBody(deps.config.bodyLimitBytes, {anyType: true});
	const rules = {gccVersion: deps.compilerVersion, maxRunCpuMs: deps.config.runMax.cpuMs, maxRunMemoryMb: deps.config.runMax.memoryMb, maxRunWallMs: maxWallMs(deps.config)};
	router.get('/api/v2/runtimes', async ctx => {
		setJson(ctx, pistonRuntimes(deps.compilerVersion));
	});
	router.post('/api/v2/execute', pistonErrors(deps.config.bodyLimitBytes), parseAnyJson, async ctx => {
		const request = parsePistonRequest(ctx.request.body, rules);
		parsed(ctx);
		const result = await deps.runner.execute(pistonExecuteRequest(request), ctx.state.signal, ctx.state.log);
		ctx.state.jobStatus = result.status;
		setJson(ctx, toPistonResponse(result, request, deps.compilerVersion));
	});
}

export function registerJudge0(router: Router<AppState>, deps: CompatDeps, requireJson: Middleware<AppState>) {
	const parseJson = jsonBody(deps.config.bodyLimitBytes);
	const {fileSizeMb, stackMb, processes} = deps.config.run;
	const rules = {maxCpuMs: deps.config.runMax.cpuMs, maxWallMs: maxWallMs(deps.config), maxMemoryMb: deps.config.runMax.memoryMb, fileSizeMb, stackMb, processes: processes - helperProcesses};
	const languages = judge0Languages(deps.compilerVersion);
	const view = (stored: StoredSubmission, query: Record<string, unknown>) =>
		pickFields(judge0Attributes(stored, flag(query['base64_encoded']), judge0LanguageName(stored.submission.language, deps.compilerVersion), deps.config.responseBytes), queryText(query['fields']));

	router.get('/languages', async ctx => {
		setJson(ctx, languages.map(({id, name}) => ({id, name})));
	});
	const allLanguages = judge0AllLanguages(deps.compilerVersion);
	router.get('/languages/all', async ctx => {
		setJson(ctx, allLanguages);
	});
	router.get('/languages/:id', async ctx => {
		const text = ctx.params['id'] ?? '';
		const id = /^\d{1,9}$/.test(text) ? Number(text) : Number.NaN;
		const language = judge0LanguageIds[id];
		if (language === undefined) {
			throw new AppError(404, `No language with id ${ctx.params['id']}: this server runs ${languages.map(entry => entry.id).join(', ')}`);
		}

		const {sourceName} = languageSpecs[language];
		const program = {options: parseCompileOptions({language}), files: [{name: sourceName, content: ''}]};
		setJson(ctx, {id, name: judge0LanguageName(language, deps.compilerVersion), is_archived: isArchivedId(id), source_file: sourceName, compile_cmd: compileArgv(program, 'source', deps.config.linker).join(' '), run_cmd: './source'});
	});
	router.get('/statuses', async ctx => {
		setJson(ctx, judge0Statuses);
	});
	const configInfo = judge0ConfigInfo({run: deps.config.run, maxCpuMs: rules.maxCpuMs, maxWallMs: rules.maxWallMs, maxMemoryMb: rules.maxMemoryMb, storeSize: deps.submissions.store.capacity});
	router.get('/config_info', async ctx => {
		setJson(ctx, configInfo);
	});
	router.post('/submissions', judge0Errors, requireJson, parseJson, async ctx => {
		const base64 = flag(ctx.query['base64_encoded']);
		const submission = parseJudge0Submission(ctx.request.body, base64, rules);
		const request = judge0ExecuteRequest(submission);
		// Checked before anything runs, so that a bad `fields` is a 400 and not a lost submission.
		pickFields(judge0Attributes({token: '', submission, createdAt: '', state: 'queued'}, base64, ''), queryText(ctx.query['fields']));
		parsed(ctx);
		ctx.status = 201;
		if (flag(ctx.query['wait'])) {
			const createdAt = new Date().toISOString();
			const result = await deps.runner.execute(request, ctx.state.signal, ctx.state.log);
			ctx.state.jobStatus = result.status;
			// Kept like an asynchronous one when there is room, so that GET /submissions/{token} finds it too.
			const token = deps.submissions.store.add(submission)?.token ?? randomUUID();
			const done: StoredSubmission = {token, submission, createdAt, state: 'done', result, finishedAt: new Date().toISOString()};
			deps.submissions.store.update(token, () => done);
			setJson(ctx, view(done, ctx.query));
			ctx.status = 201;
			return;
		}

		const stored = deps.submissions.submit(submission, request, ctx.state.log);
		if (stored === null) {
			// Judge0's own answer when its queue is full.
			throw new AppError(503, 'queue is full', {'Retry-After': '1'});
		}

		setJson(ctx, {token: stored.token});
	});
	// Judge0's own answer where batches are turned off, rather than a token "batch" that is not found.
	const noBatches = async () => {
		throw new AppError(400, 'batched submissions are not allowed');
	};

	router.get('/submissions/batch', noBatches);
	router.post('/submissions/batch', noBatches);
	router.get('/submissions/:token', judge0Errors, async ctx => {
		const stored = deps.submissions.store.get(ctx.params['token'] ?? '');
		if (stored === null) {
			throw new AppError(404, 'Submission not found: tokens are kept by the replica that made them, for C_RUNNER_JUDGE0_TTL_MS');
		}

		setJson(ctx, view(stored, ctx.query));
	});
}
