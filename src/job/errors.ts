import type {Logger} from 'pino';

// The job's own failures, in the job's words. Only src/http/ turns them into statuses (see toHttpError).

/** A request the job cannot take: a bad or missing field. Nothing ran. */
export class RequestError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'RequestError';
	}
}

/** Every job slot and the whole queue are taken: the request may be sent again after `retryAfterSeconds`. */
export class BusyError extends Error {
	readonly retryAfterSeconds: number;

	constructor(message: string, retryAfterSeconds = 1) {
		super(message);
		this.name = 'BusyError';
		this.retryAfterSeconds = retryAfterSeconds;
	}
}

/** A failure of the sandbox machinery itself (not of the user's program), with its detail for the log. */
export class SandboxError extends Error {
	readonly detail: string;

	constructor(message: string, detail: string) {
		super(message);
		this.name = 'SandboxError';
		this.detail = detail;
	}
}

/**
 * The job root's file system could not take a job's files: out of space or inodes (`ENOSPC`, `EDQUOT`), or read-only
 * (`EROFS`). The host's failure, like a SandboxError; `code` as a file-system error has it.
 */
export class JobRootError extends SandboxError {
	readonly code: string;

	constructor(message: string, detail: string, code: string) {
		super(message, detail);
		this.name = 'JobRootError';
		this.code = code;
	}
}

/** The codes of a file-system error that mean the job root cannot take a job's files, whatever the job. */
export const jobRootCodes: ReadonlySet<string> = new Set(['ENOSPC', 'EDQUOT', 'EROFS']);

/**
 * The code of a failure of the job root (`ENOSPC`, `EDQUOT`, `EROFS`): a JobRootError's, or a file-system error's
 * from writing a job's files there; null for anything else. The job's files are the server's own, never the
 * program's (a program filling its sandbox's /tmp gets its own error), so such a failure is always the host's.
 */
export function jobRootFailure(error: unknown): string | null {
	if (error instanceof JobRootError) {
		return error.code;
	}

	const code = (error as NodeJS.ErrnoException | null)?.code;
	return error instanceof Error && typeof code === 'string' && jobRootCodes.has(code) ? code : null;
}

/**
 * A clean-up after a failure, whose own failure never hides the one that led to it: a directory that cannot go (a job
 * root read-only) is kept for a later removal to try again, a cgroup that cannot for the instance's removal at exit.
 */
export async function cleanUpAfterFailure(cleanUp: () => Promise<unknown> | undefined): Promise<void> {
	try {
		await cleanUp();
	} catch {}
}

/**
 * The clean-ups once a job is over, answered or failed (its job directories, a run sandbox made ahead): each is tried
 * whatever the others did, and a failure is logged, never the job's answer or failure. A directory that cannot go (a
 * job root read-only for a while) is kept for a later removal to try again; the answer is the job's all the same.
 */
export async function cleanUpAfterJob(logger: Logger, ...cleanUps: Array<() => Promise<unknown> | undefined>): Promise<void> {
	const outcomes = await Promise.allSettled(cleanUps.map(async cleanUp => cleanUp()));
	for (const outcome of outcomes) {
		if (outcome.status === 'rejected') {
			logger.warn({err: outcome.reason}, 'could not clean up after a job; a later removal tries again');
		}
	}
}

export const badRequest = (message: string) => new RequestError(message);
