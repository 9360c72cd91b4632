import {AsyncLocalStorage} from 'node:async_hooks';

/**
 * The stages of a request, in the order they happen, each with the time it took (summed when a stage happens more
 * than once, as a judge's test cases do). `Server-Timing` and the access log show them.
 */
export const stageNames = [
	'parse', // body read and validated
	'queue', // waiting for a job slot
	'cache', // compile cache: key, lookup, storing a new entry
	'workspace', // job directory made and filled
	'compile_cgroup', // the compile step's job cgroup made, read and removed
	'compile_sandbox', // bwrap, namespaces, mounts and the helper around the compiler, to the helper's report: the step's time less the compiler's
	'compile', // the compiler itself, as the helper timed it
	'run_cgroup',
	'run_sandbox',
	'run', // the program itself, as the helper timed it
	'cleanup', // job directories removed before the answer (a judge's; an /execute_c job's go after it, untimed)
] as const;
export type StageName = typeof stageNames[number];

export class StageTimings {
	readonly #ms = new Map<StageName, number>();

	add(stage: StageName, ms: number): void {
		this.#ms.set(stage, (this.#ms.get(stage) ?? 0) + Math.max(0, ms));
	}

	/** Milliseconds per stage that happened, rounded to 0.1 ms, in stage order. */
	toJSON(): Partial<Record<StageName, number>> {
		return Object.fromEntries(stageNames.filter(name => this.#ms.has(name)).map(name => [name, Math.round(this.#ms.get(name)! * 10) / 10]));
	}

	/** The `Server-Timing` header's value (W3C Server Timing): `parse;dur=0.4, queue;dur=0, …`. */
	header(): string {
		return Object.entries(this.toJSON()).map(([name, ms]) => `${name};dur=${ms}`).join(', ');
	}
}

/**
 * The timings of the request whose work is running: set once per request by the HTTP layer, read where a stage
 * ends. Carried by the async context rather than passed through every call, so the job code keeps its signatures;
 * work outside a request (the start-up self-test) records nothing.
 */
const current = new AsyncLocalStorage<StageTimings>();

export const withTimings = <T>(timings: StageTimings, work: () => Promise<T>): Promise<T> => current.run(timings, work);

export function recordStage(stage: StageName, ms: number): void {
	current.getStore()?.add(stage, ms);
}

/** Runs `work` and records its duration under `stage`, whether it succeeds or throws. */
export async function timed<T>(stage: StageName, work: () => Promise<T>): Promise<T> {
	const started = performance.now();
	try {
		return await work();
	} finally {
		recordStage(stage, performance.now() - started);
	}
}

/** Runs `work` outside any request's timings: work a request only set off (a launcher started for a later job). */
export const outsideRequest = <T>(work: () => T): T => current.exit(work);
