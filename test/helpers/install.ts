import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** What an unprivileged server runs: its Node binary and its entry point. */
export interface Install {
	readonly node: string;
	readonly main: string;
}

const projectRoot = path.resolve(import.meta.dirname, '..', '..');
let install: {readonly dir: string; readonly paths: Install; users: number} | null = null;

/**
 * An unprivileged server (a container's) runs from an installed copy its uid can read. The checkout itself may sit in
 * a directory only root can enter (/root, a `mktemp -d`), so the harness installs one in a fresh world-readable
 * directory: hard links (or copies) of Node, dist/ (the server as built from src/), package.json, node_modules and the
 * built sandbox programs. Shared by the servers of one test file, removed when the last of them stops.
 */
export function acquireInstall(): Install {
	if (install === null) {
		const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'c-runner-install-'));
		fs.chmodSync(dir, 0o755);
		const link = (from: string, to: string) => {
			// -l: hard links, instant on one filesystem; elsewhere a plain recursive copy.
			const linked = spawnSync('cp', ['-al', from, to]);
			if (linked.status !== 0 && spawnSync('cp', ['-a', from, to]).status !== 0) {
				throw new Error(`cannot install ${from} into ${to}: ${linked.stderr.toString()}`);
			}
		};

		for (const entry of ['dist', 'package.json', 'node_modules']) {
			link(path.join(projectRoot, entry), path.join(dir, entry));
		}

		fs.mkdirSync(path.join(dir, 'sandbox'), {mode: 0o755});
		link(path.join(projectRoot, 'sandbox', 'build'), path.join(dir, 'sandbox', 'build'));
		fs.mkdirSync(path.join(dir, 'bin'), {mode: 0o755});
		link(process.execPath, path.join(dir, 'bin', 'node'));
		install = {dir, paths: {node: path.join(dir, 'bin', 'node'), main: path.join(dir, 'dist', 'main.js')}, users: 0};
	}

	install.users++;
	return install.paths;
}

export function releaseInstall() {
	if (install !== null && --install.users === 0) {
		fs.rmSync(install.dir, {recursive: true, force: true});
		install = null;
	}
}
