import {BusyError} from './errors.ts';
import type {SandboxUser} from '../sandbox/spawn.ts';
import {timed} from './timings.ts';

export interface Slot {
	readonly index: number;
	/** The host uid/gid this slot's sandboxes run as (null when the server is not root). */
	readonly user: SandboxUser | null;
	/**
	 * Its job is answered and only its clean-ups are left: it is released once they are done. Until then a new
	 * request may wait for it even past a full queue, so a client that sends one request at a time is never told
	 * the server is busy by the clean-up of its last one.
	 */
	finishing(): void;
	release(): void;
}

interface Waiter {
	readonly resolve: (slot: Slot) => void;
}

export interface AcquireOptions {
	/**
	 * The caller belongs to a request that was already admitted (a judge request's test case): it waits in the same
	 * FIFO queue as everyone else but is never refused because the queue is full — a request is answered whole.
	 */
	readonly admitted?: boolean;
	/** Told, at once, when the caller was let into the queue (no slot was free and it was not refused). */
	readonly onQueued?: () => void;
}

/**
 * A fixed number of job slots and a bounded FIFO queue in front of them. Each slot has its own host uid, so
 * concurrent jobs never share one. Past the queue, a 503 with Retry-After — for new requests only.
 */
export class Slots {
	readonly #free: number[];
	readonly #queue: Waiter[] = [];
	readonly #users: ReadonlyArray<SandboxUser | null>;
	readonly #queueLength: number;
	/** Slots whose jobs are answered and whose clean-ups are not yet done. */
	#finishing = 0;
	/** Told when the last held slot is released. */
	readonly #idle: Array<() => void> = [];

	readonly #busy: string;

	/** `busy`: what a request is told when every slot and the whole queue are taken. */
	constructor(users: ReadonlyArray<SandboxUser | null>, queueLength: number, busy = 'Server is busy: all job slots and the queue are full; retry later') {
		this.#users = users;
		this.#free = users.map((_user, index) => index);
		this.#queueLength = queueLength;
		this.#busy = busy;
	}

	get stats() {
		return {
			capacity: this.#users.length,
			running: this.#users.length - this.#free.length,
			queued: this.#queue.length,
			queueLength: this.#queueLength,
		};
	}

	/** Resolved at once when no slot is held, else when the last held one is released. */
	async whenIdle(): Promise<void> {
		if (this.#free.length === this.#users.length) {
			return;
		}

		return new Promise(resolve => {
			this.#idle.push(resolve);
		});
	}

	async acquire(signal: AbortSignal, options: AcquireOptions = {}): Promise<Slot> {
		return timed('queue', async () => this.#acquire(signal, options));
	}

	async #acquire(signal: AbortSignal, options: AcquireOptions): Promise<Slot> {
		signal.throwIfAborted();
		const index = this.#free.shift();
		if (index !== undefined) {
			return this.#slot(index);
		}

		if (!options.admitted && this.#queue.length >= this.#queueLength + this.#finishing) {
			throw new BusyError(this.#busy);
		}

		let leave = () => {};
		const waiting = new Promise<Slot>((resolve, reject) => {
			const waiter: Waiter = {
				resolve(slot) {
					signal.removeEventListener('abort', onAbort);
					resolve(slot);
				},
			};
			leave = () => {
				signal.removeEventListener('abort', onAbort);
				// Once only: a second leave (an abort, then a throwing onQueued) must not take another request's place.
				const index = this.#queue.indexOf(waiter);
				if (index !== -1) {
					this.#queue.splice(index, 1);
				}
			};

			const onAbort = () => {
				leave();
				reject(signal.reason);
			};

			signal.addEventListener('abort', onAbort, {once: true});
			this.#queue.push(waiter);
		});
		try {
			options.onQueued?.();
		} catch (error) {
			// Its place is given back: a waiter nobody waits for would take the next slot released, for good. Nobody
			// awaits its promise either, which an abort may have rejected meanwhile.
			leave();
			waiting.catch(() => {});
			throw error;
		}

		return waiting;
	}

	#slot(index: number): Slot {
		let released = false;
		let finishing = false;
		return {
			index,
			user: this.#users[index] ?? null,
			finishing: () => {
				if (!released && !finishing) {
					finishing = true;
					this.#finishing++;
				}
			},
			release: () => {
				if (released) {
					return;
				}

				released = true;
				if (finishing) {
					this.#finishing--;
				}

				const waiter = this.#queue.shift();
				if (waiter) {
					waiter.resolve(this.#slot(index));
				} else {
					this.#free.push(index);
					if (this.#free.length === this.#users.length) {
						for (const resolve of this.#idle.splice(0)) {
							resolve();
						}
					}
				}
			},
		};
	}
}

/** The job slots and the judge requests' permits (C_RUNNER_JUDGES), each with its queue. */
export interface Queues {
	readonly slots: Slots;
	readonly judges: Slots;
}
