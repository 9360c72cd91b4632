import fs from 'node:fs/promises';

const ptLoad = 1;

/**
 * KiB the kernel must map before an ELF64 program runs: the sum of its PT_LOAD segments' memory sizes (code, data,
 * bss). A program whose static data does not fit in its address-space limit is killed while it starts, before any
 * memory is touched; this lets the result name the limit. 0 when the file is not a little-endian ELF64.
 */
export async function staticMemoryKb(file: string): Promise<number> {
	const bytes = await fs.readFile(file);
	if (bytes.length < 64 || bytes.readUInt32BE(0) !== 0x7F_45_4C_46 || bytes[4] !== 2 || bytes[5] !== 1) {
		return 0;
	}

	const tableOffset = Number(bytes.readBigUInt64LE(0x20));
	const entrySize = bytes.readUInt16LE(0x36);
	const entries = bytes.readUInt16LE(0x38);
	let total = 0n;
	for (let index = 0; index < entries; index++) {
		const entry = tableOffset + (index * entrySize);
		if (entry + 0x30 > bytes.length) {
			return 0;
		}

		if (bytes.readUInt32LE(entry) === ptLoad) {
			total += bytes.readBigUInt64LE(entry + 0x28);
		}
	}

	return Number(total / 1024n);
}
