import {AsyncLocalStorage} from 'node:async_hooks';
import type {Logger} from 'pino';
import type {Slot} from './slots.ts';
import {outsideRequest} from './timings.ts';

/**
 * Clean-ups a job leaves for after its answer: its job directories and the cgroups of its steps, removed once the
 * answer is on its way rather than before it (some 2 ms a job: two directories on the job root, a cgroup per
 * controller and step). The job's slot is held until they are done, so no more job directories exist at once than
 * before, and a shutdown's drain waits for them as for the jobs.
 */
interface Later {
	readonly cleanUps: Array<() => Promise<unknown>>;
	/** The job has returned: what is left now (by work the job set off and did not wait for) runs at once. */
	closed: boolean;
}

const current = new AsyncLocalStorage<Later>();

/** Runs `cleanUp` after the answer of the job running, when its caller let it wait (answerFirst); else at once. */
export async function afterAnswer(cleanUp: () => Promise<unknown>): Promise<void> {
	const later = current.getStore();
	if (later === undefined || later.closed) {
		await cleanUp();
		return;
	}

	later.cleanUps.push(cleanUp);
}

/**
 * Runs `work` outside any job: what it sets off (a sandbox made ahead for a slot's next job) never holds a job's
 * clean-ups, nor what they hold (its stdin, its program's diagnostics), however long it waits; nor does it leave its
 * own clean-ups in a job's list.
 */
export const outsideJob = <T>(work: () => T): T => current.exit(work);

/**
 * Runs `job`, then, once its answer is written, the clean-ups it left, one after another in the order they were left,
 * and then its slot is released (`finishing` meanwhile). The answer is written in the turn of the event loop in which
 * the job's result comes back (Koa writes a JSON body at once), so the clean-ups start on the next turn
 * (setImmediate). A failure of one is logged and the next one tried: the answer has gone already, and each kind of
 * clean-up keeps what it could not remove for a later try (a job directory), or for the instance's removal at exit (a
 * cgroup).
 */
export async function answerFirst<T>(job: () => Promise<T>, slot: Pick<Slot, 'finishing' | 'release'>, logger: Logger): Promise<T> {
	const later: Later = {cleanUps: [], closed: false};
	try {
		return await current.run(later, job);
	} finally {
		later.closed = true;
		if (later.cleanUps.length === 0) {
			slot.release();
		} else {
			slot.finishing();
			setImmediate(() => {
				// Outside the request's timings too: its Server-Timing header has gone with the answer.
				void current.exit(async () => outsideRequest(async () => {
					for (const cleanUp of later.cleanUps) {
						try {
							await cleanUp();
						} catch (error) {
							logger.warn({err: error}, 'could not clean up after a job; a later removal tries again');
						}
					}
				})).finally(() => {
					// Whatever still refers to this job's context keeps its clean-ups' closures no longer.
					later.cleanUps.length = 0;
					slot.release();
				});
			});
		}
	}
}
