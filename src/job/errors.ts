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
 * A clean-up after a failure, whose own failure never hides the one that led to it: a directory that cannot go (a job
 * root read-only) is kept for a later removal to try again, a cgroup that cannot for the instance's removal at exit.
 */
export async function cleanUpAfterFailure(cleanUp: () => Promise<unknown> | undefined): Promise<void> {
	try {
		await cleanUp();
	} catch {}
}

export const badRequest = (message: string) => new RequestError(message);
