/** How much a block of the queue holds. */
const blockBytes = 16 * 1024;

/**
 * Bytes for the relay that cannot be written yet (the program has not started, or is not reading), copied into
 * blocks as they come and written later as one buffer: a one-byte message costs one byte (and its frame header)
 * here, not two buffers and two write requests queued in the pipe (200,000 one-byte messages held ~80 MB).
 */
export class InputQueue {
	readonly #blocks: Buffer[] = [];
	#tailUsed = 0;
	#bytes = 0;

	get bytes(): number {
		return this.#bytes;
	}

	push(data: Buffer): void {
		for (let offset = 0; offset < data.length;) {
			let tail = this.#blocks.at(-1);
			if (tail === undefined || this.#tailUsed === tail.length) {
				tail = Buffer.allocUnsafe(blockBytes);
				this.#blocks.push(tail);
				this.#tailUsed = 0;
			}

			const copied = data.copy(tail, this.#tailUsed, offset);
			this.#tailUsed += copied;
			offset += copied;
		}

		this.#bytes += data.length;
	}

	/** `data`, then what was queued. */
	unshift(data: Buffer): void {
		const queued = this.take();
		this.push(data);
		this.push(queued);
	}

	/** Everything queued, in order, as one buffer; the queue is empty after. */
	take(): Buffer {
		const last = this.#blocks.length - 1;
		const all = Buffer.concat(this.#blocks.map((block, index) => index === last ? block.subarray(0, this.#tailUsed) : block), this.#bytes);
		this.#blocks.length = 0;
		this.#tailUsed = 0;
		this.#bytes = 0;
		return all;
	}
}
