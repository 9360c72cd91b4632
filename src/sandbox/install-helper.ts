import {createHash} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {v4 as uuidv4} from 'uuid';

export class HelperInstallError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'HelperInstallError';
	}
}

/**
 * A directory only root can change, all the way up: root-owned, not a symlink, writable by nobody else. Anything
 * else could let another user swap the helper that every sandbox runs.
 */
function checkTrusted(dir: string) {
	for (let current = dir; ; current = path.dirname(current)) {
		const stat = fs.lstatSync(current);
		if (!stat.isDirectory() || stat.uid !== 0 || (stat.mode & 0o022) !== 0) {
			// /tmp-like sticky directories are writable by everyone: never trusted as a place for the helper.
			throw new HelperInstallError(`${current} must be a real directory owned by root and writable by root alone (it is ${stat.isSymbolicLink() ? 'a symlink' : `owned by uid ${stat.uid}, mode ${(stat.mode & 0o7777).toString(8)}`})`);
		}

		if (current === '/') {
			return;
		}
	}
}

/** Makes the missing directories of `dir`, mode 0755; existing ones are left as they are. */
function makeDirs(dir: string) {
	const missing: string[] = [];
	for (let current = dir; !fs.existsSync(current); current = path.dirname(current)) {
		missing.unshift(current);
	}

	for (const current of missing) {
		try {
			fs.mkdirSync(current, {mode: 0o755});
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
				throw error;
			}
		}
	}
}

/**
 * As root, sandboxes run as other uids, which must reach the helper binary to bind it (and the launcher, to run it): a checkout in a 0700
 * directory (/root, a `mktemp -d`) would hide it from them. So a root server copies the helper into a root-owned
 * directory that others may read, under a name made of its content's hash: two instances, or two checkouts, of the
 * same helper share one file, and a new build never overwrites a binary that a running sandbox uses.
 * Returns the installed path.
 */
export function installHelper(source: string, installDir: string, name = 'c-runner-sandbox'): string {
	const bytes = fs.readFileSync(source);
	const target = path.join(installDir, `${name}-${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}`);
	makeDirs(installDir);
	checkTrusted(installDir);
	const existing = fs.lstatSync(target, {throwIfNoEntry: false});
	if (existing?.isFile() && existing.uid === 0 && (existing.mode & 0o7777) === 0o755 && fs.readFileSync(target).equals(bytes)) {
		return target;
	}

	// Written aside and renamed: a sandbox starting meanwhile sees the old file or the whole new one, never half.
	const temporary = path.join(installDir, `.${name}-${uuidv4()}`);
	try {
		fs.writeFileSync(temporary, bytes, {mode: 0o755, flag: 'wx'});
		fs.chmodSync(temporary, 0o755);
		fs.renameSync(temporary, target);
	} finally {
		fs.rmSync(temporary, {force: true});
	}

	return target;
}
