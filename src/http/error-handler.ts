import type {Middleware} from 'koa';
import type {Logger} from 'pino';
import {jobRootFailure, SandboxError} from '../job/errors.ts';
import {ClientGoneError, type AppContext, type AppState} from './context.ts';
import {AppError, toHttpError} from './errors.ts';
import {setJson} from './send.ts';

const statusMessages: Record<number, string> = {
	404: 'Not found',
	405: 'Method not allowed',
	501: 'Method not implemented',
};

/** A failure that is the request's, as its answer (a 4xx, or a 503 when the server is full); null for anything else. */
export function requestFailure(error: unknown, bodyLimitBytes: number): AppError | null {
	const known = toHttpError(error);
	if (known !== null) {
		return known;
	}

	// Errors of the body parser (co-body / raw-body), recognised by their type and status.
	const {status, type} = (error ?? {}) as {status?: unknown; type?: unknown};
	if (type === 'entity.too.large' || status === 413) {
		return new AppError(413, `Request body is larger than ${bodyLimitBytes} bytes`);
	}

	if (type === 'encoding.unsupported' || status === 415) {
		return new AppError(415, 'Unsupported request body encoding');
	}

	if (type === 'request.aborted') {
		return new AppError(400, 'Request body was not received completely');
	}

	if (status === 400) {
		return new AppError(400, 'Request body is not valid JSON');
	}

	return null;
}

/** A failure of the server's own in its log, with the sandbox's detail: the job root's, or one answered as a bare 500. */
export function logFault(log: Logger, error: unknown): void {
	const code = jobRootFailure(error);
	const detail = error instanceof SandboxError ? error.detail : undefined;
	if (code === null) {
		log.error({err: error, detail}, 'internal error');
	} else {
		log.error({err: error, fsCode: code, detail}, 'the job root cannot take a job');
	}
}

/**
 * What a client is told about a failure: a known error as it is (the host's failure behind it logged), anything else
 * logged and answered as a bare 500. null when the client is gone and nobody is left to tell.
 */
export function publicError(ctx: AppContext, error: unknown, bodyLimitBytes: number): AppError | null {
	if (ctx.state.signal.aborted && ctx.state.signal.reason instanceof ClientGoneError) {
		return null;
	}

	const known = ctx.state.signal.aborted
		? new AppError(503, 'Server is shutting down; the job was cancelled')
		: requestFailure(error, bodyLimitBytes);
	if (known) {
		if (known.fault !== null) {
			logFault(ctx.state.log, known.fault);
		}

		return known;
	}

	logFault(ctx.state.log, error);
	return new AppError(500, 'Internal server error');
}

/** The one place where failures become responses: `{error}` with a 4xx, or a logged 500 with no detail. */
export function errorHandler(bodyLimitBytes: number): Middleware<AppState> {
	return async (ctx, next) => {
		try {
			await next();
			// The router answers a method it implements nowhere with 501 on any path: an unknown path stays a 404.
			if (ctx.status === 501 && (ctx as {matched?: unknown[]}).matched?.length === 0) {
				ctx.remove('Allow');
				ctx.status = 404;
			}

			const {status} = ctx;
			const message = statusMessages[status];
			if (message !== undefined && ctx.body === undefined) {
				setJson(ctx, {error: status === 404 ? `No route for ${ctx.method} ${ctx.path}` : `${message}: ${ctx.method} ${ctx.path}`});
				// Koa turns an unset status into 200 when a body is assigned.
				ctx.status = status;
			}
		} catch (error) {
			const known = publicError(ctx, error, bodyLimitBytes);
			if (known === null) {
				// Nobody is left to read an answer.
				ctx.status = 499;
				return;
			}

			ctx.status = known.status;
			ctx.set(known.headers);
			setJson(ctx, {error: known.message});
		}
	};
}
