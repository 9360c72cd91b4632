import {BusyError, jobRootFailure, RequestError} from '../job/errors.ts';

/** An error that becomes a client-visible `{error}` response with its own status. */
export class AppError extends Error {
	readonly status: number;
	readonly headers: Readonly<Record<string, string>>;
	/** The host's failure behind the answer, for the operator's log; null when the answer says all there is. */
	readonly fault: unknown;

	constructor(status: number, message: string, headers: Record<string, string> = {}, fault: unknown = null) {
		super(message);
		this.name = 'AppError';
		this.status = status;
		this.headers = headers;
		this.fault = fault;
	}
}

/** How long a client is asked to wait before sending a job again that a full or read-only job root refused. */
export const jobRootRetryAfterSeconds = 5;

/**
 * A job's own failure as its HTTP answer: a bad field is a 400, a full server a 503, and so is a job root that cannot
 * take the job's files (out of space or inodes, or read-only: the host's state, which may pass); null for anything else.
 */
export function toHttpError(error: unknown): AppError | null {
	if (error instanceof AppError) {
		return error;
	}

	if (error instanceof RequestError) {
		return new AppError(400, error.message);
	}

	if (error instanceof BusyError) {
		return new AppError(503, error.message, {'Retry-After': String(error.retryAfterSeconds)});
	}

	const code = jobRootFailure(error);
	if (code !== null) {
		const state = code === 'EROFS' ? 'read-only' : 'full';
		return new AppError(503, `Server cannot store the job's files now: its job root is ${state} (${code}); try again later`, {'Retry-After': String(jobRootRetryAfterSeconds)}, error);
	}

	return null;
}
