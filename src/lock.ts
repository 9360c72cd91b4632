// Whether an instance of the server still runs, told by a lock it holds rather than by its pid: a pid means nothing
// outside its pid namespace (a server in a container, or under `unshare --pid`, has pids another instance cannot see
// or sees as other processes), while a lock on a shared file or cgroup directory is the kernel's, whoever looks.
import {spawn} from 'node:child_process';
import {once} from 'node:events';
import {closeSync, fstatSync, lstatSync} from 'node:fs';

/** util-linux's, in every Debian and Ubuntu (essential) and in the image. */
export const flockPath = '/usr/bin/flock';

/**
 * Takes the exclusive flock(2) lock of an open file or directory: true when taken, false when another open file holds
 * it. Node has no flock, so util-linux's flock(1) takes it on the descriptor it inherits: the lock belongs to the open
 * file, not to a process, so it stays when flock(1) exits and is released when the last descriptor of it is closed —
 * when the server ends, however it ends (a SIGKILL included). Whoever holds the lock, in whatever pid, mount or user
 * namespace of this kernel, is seen holding it.
 */
export async function tryLock(fd: number): Promise<boolean> {
	// Node's spawn, not execa: execa's types take no descriptor above 9, and the file must reach flock(1) as the very
	// descriptor the server holds (a path opened again would be another open file, with a lock of its own). It is
	// flock(1)'s stdin, the descriptor it is told to lock. --nonblock: a lock another holds is an answer (exit 1), never
	// a wait. cwd /, no environment: nothing of the server's is needed.
	const child = spawn(flockPath, ['--exclusive', '--nonblock', '0'], {stdio: [fd, 'ignore', 'pipe'], env: {}, cwd: '/', timeout: 10_000});
	let stderr = '';
	child.stderr!.on('data', (chunk: Buffer) => {
		stderr += chunk.toString();
	});
	const [code, signal] = await once(child, 'close') as [number | null, NodeJS.Signals | null];
	if (code === 0 || code === 1) {
		return code === 0;
	}

	throw new Error(`${flockPath} failed (${code ?? signal}): ${stderr.slice(0, 300)}`);
}

/** tryLock on a descriptor the caller opened: true with the lock held through it, else false with it closed (closed on a failure too). */
export async function lockOrClose(fd: number): Promise<boolean> {
	let locked = false;
	try {
		locked = await tryLock(fd);
		return locked;
	} finally {
		if (!locked) {
			closeSync(fd);
		}
	}
}

/**
 * Makes `what`, a file or directory, with `make` (its path and an open descriptor of it, or null when it was gone before it
 * could be opened) and takes its lock, held through the descriptor returned. Another instance's start-up sweep that
 * runs meanwhile may find it before its lock is taken and remove it as a dead instance's: the lock is kept only on
 * what is still at the path, or it is made again.
 */
export async function makeLocked(what: string, make: () => {path: string; fd: number} | null): Promise<{path: string; fd: number}> {
	for (let attempt = 0; ; attempt++) {
		const made = make();
		if (made !== null && await lockOrClose(made.fd)) {
			if (lstatSync(made.path, {throwIfNoEntry: false})?.ino === fstatSync(made.fd).ino) {
				return made;
			}

			closeSync(made.fd);
		}

		if (attempt >= 20) {
			throw new Error(`${what} could not be made and locked: another instance's start-up sweep kept removing it`);
		}

		await new Promise(resolve => setTimeout(resolve, 50));
	}
}
