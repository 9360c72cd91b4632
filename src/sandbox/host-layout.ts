// The host's own layout, read once at start-up: the only file system reads behind the (pure) profiles.
import fs from 'node:fs';

/** How the host lays out its top-level library and binary directories (merged-/usr or not). */
export interface HostLayout {
	/** Top-level paths that are symlinks on the host (`/lib` → `usr/lib`), recreated as symlinks. */
	readonly links: ReadonlyArray<{readonly path: string; readonly target: string}>;
	/** Top-level paths that are real directories on the host (a system without merged /usr). */
	readonly dirs: readonly string[];
	/** Whether /usr/lib64 exists (the x86-64 dynamic loader lives behind it). */
	readonly usrLib64: boolean;
	/** Whether /usr/local is a real directory: the machine's own software, which the compile does not see. */
	readonly usrLocal: boolean;
}

const topLevel = ['/bin', '/sbin', '/lib', '/lib64'];

export function readHostLayout(): HostLayout {
	const links: Array<{path: string; target: string}> = [];
	const dirs: string[] = [];
	for (const entry of topLevel) {
		const stat = fs.lstatSync(entry, {throwIfNoEntry: false});
		if (stat?.isSymbolicLink()) {
			links.push({path: entry, target: fs.readlinkSync(entry)});
		} else if (stat?.isDirectory()) {
			dirs.push(entry);
		}
	}

	return {links, dirs, usrLib64: fs.existsSync('/usr/lib64'), usrLocal: fs.lstatSync('/usr/local', {throwIfNoEntry: false})?.isDirectory() ?? false};
}
