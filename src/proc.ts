import {readFileSync} from 'node:fs';

/**
 * The fields of `/proc/<pid>/stat` after the command name, so index 0 is field 3 (state), index 1 field 4 (ppid),
 * index 19 field 22 (start time). null when the process does not exist.
 */
export function procStatFields(pid: number): string[] | null {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		// The command name may hold spaces and parentheses: fields are counted after its closing ')'.
		return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	} catch {
		return null;
	}
}

/** /proc's clock ticks a second (USER_HZ: 100 on every Linux, whatever the kernel's own tick). */
const ticksPerSecond = 100;

/**
 * The boot-time offset of this process's time namespace, in /proc's clock ticks (0 outside one, or without the file):
 * the kernel adds the reader's offset to every start in /proc/<pid>/stat (`unshare --time --boottime N`).
 */
export function bootOffsetTicks(offsets = readBootOffsets()): number {
	const match = /^boottime\s+(-?\d+)\s+(\d+)\s*$/m.exec(offsets);
	return match === null ? 0 : (Number(match[1]) * ticksPerSecond) + Math.floor(Number(match[2]) / (1e9 / ticksPerSecond));
}

function readBootOffsets(): string {
	try {
		return readFileSync('/proc/self/timens_offsets', 'utf8');
	} catch {
		return '';
	}
}

// A process cannot change its time namespace once it has threads: read once.
let ownBootOffset: number | undefined;

/**
 * When a process started, in clock ticks since boot: with its pid, what tells it from a later process given the same
 * pid, whatever the wall clock did meanwhile (unlike a time of day, which moves when the clock is set). Counted from
 * the host's boot, not from this process's time namespace's: another instance in another one (or in none) reads the
 * same start for the same process, where the raw field differs by the two namespaces' offsets and a running instance
 * looked gone, its job directories and cgroups removed under it (exact where the offset is whole hundredths of a
 * second, as `unshare --time` sets them). null if gone.
 */
export function processStart(pid: number): string | null {
	const start = procStatFields(pid)?.[19];
	if (start === undefined || !/^\d+$/.test(start)) {
		return start ?? null;
	}

	ownBootOffset ??= bootOffsetTicks();
	return ownBootOffset === 0 ? start : String(BigInt(start) - BigInt(ownBootOffset));
}

export interface Mount {
	readonly point: string;
	readonly options: readonly string[];
}

/** `\040`-style escapes of /proc/self/mountinfo (space, tab, newline, backslash) back to their characters. */
export const unescapeMountPath = (text: string) => text.replaceAll(/\\([0-7]{3})/g, (_match, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));

/**
 * The mount a path lives on, from the text of /proc/self/mountinfo: the last-mounted of the longest mount points
 * that contain it, with its per-mount options (`noexec`, `ro`, ...). null when nothing matches.
 */
export function mountOf(file: string, mountinfo: string): Mount | null {
	let found: Mount | null = null;
	for (const line of mountinfo.split('\n')) {
		const fields = line.split(' ');
		if (fields.length < 6) {
			continue;
		}

		const point = unescapeMountPath(fields[4]!);
		const contains = point === '/' || file === point || file.startsWith(`${point}/`);
		if (contains && (found === null || point.length >= found.point.length)) {
			found = {point, options: fields[5]!.split(',')};
		}
	}

	return found;
}
