import {BusyError, RequestError} from '../job/errors.ts';

/** An error that becomes a client-visible `{error}` response with its own status. */
export class AppError extends Error {
	readonly status: number;
	readonly headers: Readonly<Record<string, string>>;

	constructor(status: number, message: string, headers: Record<string, string> = {}) {
		super(message);
		this.name = 'AppError';
		this.status = status;
		this.headers = headers;
	}
}

/** A job's own failure as its HTTP answer: a bad field is a 400, a full server a 503; null for anything else. */
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

	return null;
}
