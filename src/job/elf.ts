import {constants} from 'node:fs';
import fs from 'node:fs/promises';

const ptLoad = 1;
/** Thread-local data: the C library allocates the initial thread's block of this size before `main`. */
const ptTls = 7;

/**
 * KiB that must be mapped before an ELF64 program reaches `main`: the sum of its PT_LOAD segments' memory sizes (code,
 * data, bss), which the kernel maps, and of its PT_TLS segment's (`__thread` data), which the C library allocates for
 * the initial thread. A program whose static data does not fit in its address-space limit is killed while it starts
 * (or exits 127: `cannot allocate TLS data structures for initial thread`), before any memory is touched; this lets
 * the result name the limit. 0 when the file is not a little-endian ELF64; null when there is no regular file at
 * that name (a compiler told to print its version exits 0 and writes none), never followed through a link.
 */
export async function staticMemoryKb(file: string): Promise<number | null> {
	// The ELF header and the program header table only: the program itself may be tens of MiB of data.
	let handle: fs.FileHandle;
	try {
		handle = await fs.open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
	} catch (error) {
		if (['ENOENT', 'ELOOP'].includes((error as NodeJS.ErrnoException).code ?? '')) {
			return null;
		}

		throw error;
	}

	try {
		if (!(await handle.stat()).isFile()) {
			return null;
		}

		const header = Buffer.alloc(64);
		const {bytesRead} = await handle.read(header, 0, 64, 0);
		if (bytesRead < 64 || header.readUInt32BE(0) !== 0x7F_45_4C_46 || header[4] !== 2 || header[5] !== 1) {
			return 0;
		}

		const tableOffset = Number(header.readBigUInt64LE(0x20));
		const entrySize = header.readUInt16LE(0x36);
		const entries = header.readUInt16LE(0x38);
		if (entrySize < 0x30) {
			return 0;
		}

		const table = Buffer.alloc(entrySize * entries);
		if ((await handle.read(table, 0, table.length, tableOffset)).bytesRead < table.length) {
			return 0;
		}

		let total = 0n;
		for (let index = 0; index < entries; index++) {
			const entry = index * entrySize;
			const type = table.readUInt32LE(entry);
			if (type === ptLoad || type === ptTls) {
				total += table.readBigUInt64LE(entry + 0x28);
			}
		}

		return Number(total / 1024n);
	} finally {
		await handle.close();
	}
}
