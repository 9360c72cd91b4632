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
