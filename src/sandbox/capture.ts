// A sandbox's stdout or stderr, captured up to a cap: one byte more and the sandbox is stopped.
import type {Readable} from 'node:stream';

export class CappedCapture {
	readonly chunks: Buffer[] = [];
	size = 0;
	overflowed = false;
	readonly #cap: number;
	readonly #onOverflow: () => void;
	readonly #onKept: ((chunk: Buffer) => void) | undefined;

	constructor(cap: number, onOverflow: () => void, onKept?: (chunk: Buffer) => void) {
		this.#cap = cap;
		this.#onOverflow = onOverflow;
		this.#onKept = onKept;
	}

	push(chunk: Buffer): void {
		if (this.overflowed) {
			return;
		}

		const room = this.#cap - this.size;
		if (chunk.length > room) {
			this.chunks.push(chunk.subarray(0, room));
			this.#onKept?.(chunk.subarray(0, room));
			this.size = this.#cap;
			this.overflowed = true;
			this.#onOverflow();
			return;
		}

		this.chunks.push(chunk);
		this.#onKept?.(chunk);
		this.size += chunk.length;
	}

	collect(stream: Readable | null): Promise<void> {
		return new Promise(resolve => {
			if (stream === null) {
				resolve();
				return;
			}

			stream.on('data', (chunk: Buffer) => {
				this.push(chunk);
			});
			stream.once('close', () => {
				resolve();
			});
		});
	}
}
