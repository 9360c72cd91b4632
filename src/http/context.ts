import type {Middleware, ParameterizedContext} from 'koa';
import type {Logger} from 'pino';
import {v4 as uuidv4} from 'uuid';
import {StageTimings, withTimings} from '../job/timings.ts';

export interface AppState {
	log: Logger;
	/** Aborted when the client goes away before its answer: its job is cancelled. */
	signal: AbortSignal;
	/** Set by a handler that ran a job, for the access log. */
	jobStatus?: string;
	/** When the request arrived (performance.now()). */
	startedAt: number;
	/** Time per stage of the request's work: the `Server-Timing` header and the access log. */
	timings: StageTimings;
	/** Bytes of an event stream's body written so far (the access log's `responseBytes`). */
	streamedBytes?: number;
	/**
	 * The status of a failure told in-band, after an event stream began with its 200 (an `error` event): what the log
	 * and the metrics count, as the status the request would have had before the stream.
	 */
	streamStatus?: number;
	/** Bytes of the request's body as read, after any Content-Encoding is undone (the access log's `requestBytes` without a Content-Length). */
	bodyBytes?: number;
}

export type AppContext = ParameterizedContext<AppState>;

export class ClientGoneError extends Error {
	constructor() {
		super('client closed the connection');
		this.name = 'ClientGoneError';
	}
}

const clientRequestId = /^[\w.:-]{1,128}$/;

/** Longest path the access log shows: a request line may be 16 KiB, and each would make a log line as long. */
export const loggedPathChars = 256;

/** The path for the access log, cut at `loggedPathChars` with its length said. */
export const loggedPath = (path: string): string => path.length > loggedPathChars ? `${path.slice(0, loggedPathChars)}… (${path.length} characters)` : path;

/** The request's id: the client's own `X-Request-Id` when it is a valid one, else a new one. */
export const requestIdOf = (given: string | readonly string[] | undefined): string => typeof given === 'string' && clientRequestId.test(given) ? given : uuidv4();

/**
 * The requests being handled, counted until their access-log line is written: a stop waits for them, or a request
 * cut at the stop (a stalled upload) was handled after the server had exited, and its line was never written.
 */
export class RequestsInFlight {
	#count = 0;
	readonly #idle: Array<() => void> = [];

	get count(): number {
		return this.#count;
	}

	enter(): void {
		this.#count++;
	}

	leave(): void {
		this.#count--;
		if (this.#count === 0) {
			for (const resolve of this.#idle.splice(0)) {
				resolve();
			}
		}
	}

	/** Resolved when none is being handled, or after `timeoutMs`. */
	async idle(timeoutMs: number): Promise<void> {
		if (this.#count === 0) {
			return;
		}

		await new Promise<void>(resolve => {
			const timer = setTimeout(resolve, timeoutMs);
			timer.unref();
			this.#idle.push(() => {
				clearTimeout(timer);
				resolve();
			});
		});
	}
}

/** Request id, child logger, disconnect signal and one access-log line per request. */
export function requestContext(logger: Logger, shutdownSignal?: AbortSignal, inFlight?: RequestsInFlight): Middleware<AppState> {
	return async (ctx, next) => {
		const started = performance.now();
		const timings = new StageTimings();
		ctx.state.startedAt = started;
		ctx.state.timings = timings;
		const requestId = requestIdOf(ctx.get('X-Request-Id'));
		const controller = new AbortController();
		ctx.res.once('close', () => {
			if (!ctx.res.writableFinished) {
				controller.abort(new ClientGoneError());
			}
		});
		ctx.state.log = logger.child({reqId: requestId});
		ctx.state.signal = shutdownSignal ? AbortSignal.any([controller.signal, shutdownSignal]) : controller.signal;
		ctx.set('X-Request-Id', requestId);
		inFlight?.enter();
		try {
			await withTimings(timings, next);
		} finally {
			const serverTiming = timings.header();
			if (serverTiming !== '' && !ctx.headerSent) {
				ctx.set('Server-Timing', serverTiming);
			}

			try {
				ctx.state.log.info({
					method: ctx.method,
					path: loggedPath(ctx.path),
					status: controller.signal.aborted ? 499 : answeredStatus(ctx),
					durationMs: Math.round(performance.now() - started),
					requestBytes: Number(ctx.get('Content-Length')) || ctx.state.bodyBytes || 0,
					responseBytes: ctx.state.streamedBytes ?? ctx.response.length ?? 0,
					jobStatus: ctx.state.jobStatus,
					stages: timings.toJSON(),
				}, controller.signal.aborted ? 'client went away' : 'request done');
			} finally {
				inFlight?.leave();
			}
		}
	};
}

/**
 * Whether the request's client went away before its answer was done: its status is 499 in the log and the metrics,
 * whatever the response object says (an event stream set its 200 when it began).
 */
export const clientWentAway = (state: AppState): boolean => state.signal.aborted && state.signal.reason instanceof ClientGoneError;

/** The status the access log and the metrics count for a client still there: an event stream's in-band failure's, else the response's. */
export const answeredStatus = (ctx: {readonly state: AppState; readonly status: number}): number => ctx.state.streamStatus ?? ctx.status;

/** The `parse` stage: from the request's start until its body is read and checked (every route that runs a job). */
export function parsed(ctx: {state: AppState}): void {
	ctx.state.timings.add('parse', performance.now() - ctx.state.startedAt);
}
