import fs from 'node:fs/promises';
import {chmodSync, chownSync, closeSync, constants as fsConstants, copyFileSync, fstatSync, lstatSync, mkdirSync, openSync, read, readFileSync, rmSync, statSync, write, writeFileSync} from 'node:fs';
import {promisify} from 'node:util';
import {execa} from 'execa';
import path from 'node:path';
import {v4 as uuidv4} from 'uuid';
import type {Logger} from 'pino';
import type {SandboxUser} from '../sandbox/spawn.ts';
import {lockOrClose, makeLocked} from '../lock.ts';
import {processStart} from '../proc.ts';
import {cleanUpAfterFailure} from './errors.ts';
import type {SourceFile} from './language.ts';
import {timed} from './timings.ts';

export const binaryName = 'source';
export const stdinName = 'stdin';
/** Names the instance that created a job directory, so a restart sweeps only what a dead instance left. */
export const ownerName = '.owner';
const jobDirPattern = /^c_exec_[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/;

export interface Owner {
	readonly pid: number;
	/** The process's start time in clock ticks since boot: a reused pid has another. */
	readonly start: string;
	/**
	 * The name of the instance's lock file in the job root (InstanceLock), whose flock it holds while it runs: what
	 * tells another instance, in any pid namespace, that it still does. Absent when none could be made (a job root
	 * that is full or read-only at start-up), and in the marks of servers from before the lock: their pid and start
	 * then tell.
	 */
	readonly lock?: string;
}

const lockPattern = /^\.c-runner-instance-[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/;

/** The instance's lock file in the job root, its flock held through `fd` until close(). */
export interface InstanceLock {
	readonly name: string;
	/** Removes the file (while it is still this one) and releases the lock: the instance's last step. */
	close(): Promise<void>;
}

/**
 * Makes `<jobRoot>/.c-runner-instance-<uuid>` and takes its flock, held until the instance ends (the kernel releases
 * it then, however it ends). Another instance's start-up sweep that runs meanwhile may find the file before its lock
 * is taken and remove it as a dead one's: the lock is taken on what is still at the name, or another file is made.
 */
export async function openInstanceLock(jobRoot: string): Promise<InstanceLock> {
	const {path: file, fd} = await makeLocked(`a lock file in ${jobRoot}`, () => {
		const made = path.join(jobRoot, `.c-runner-instance-${uuidv4()}`);
		return {path: made, fd: openSync(made, fsConstants.O_RDONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_NOFOLLOW, 0o600)};
	});
	const held = fstatSync(fd);
	return {
		name: path.basename(file),
		async close() {
			try {
				if (lstatSync(file, {throwIfNoEntry: false})?.ino === held.ino) {
					rmSync(file, {force: true});
				}
			} finally {
				closeSync(fd);
			}
		},
	};
}

export interface Workspace {
	readonly dir: string;
	readonly binaryPath: string;
	readonly stdinPath: string;
	dispose(): Promise<void>;
}

export function currentOwner(): Owner {
	return {pid: process.pid, start: processStart(process.pid) ?? 'unknown'};
}

// A job directory's few small files are written, read and removed synchronously: each asynchronous call waits its
// turn in libuv's thread pool (some 0.1 ms, more when busy), and a job makes a dozen of them; the calls themselves
// take microseconds. Only sources and stdin can be large, and the request's body limit bounds them.
function chownAll(paths: readonly string[], user: SandboxUser | null) {
	if (user !== null) {
		for (const file of paths) {
			chownSync(file, user.uid, user.gid);
		}
	}
}

/** What a new job directory starts with: source to compile, or a program compiled in another job directory. */
export type WorkspaceContent = {readonly files: readonly SourceFile[]} | {readonly binaryFrom: string};

/** `/<root>/c_exec_<uuid>`, mode 0700, owned by the job's uid, holding the owner mark and the source or program. */
export async function createWorkspace(jobRoot: string, owner: Owner, user: SandboxUser | null, content: WorkspaceContent): Promise<Workspace> {
	return timed('workspace', async () => fillWorkspace(jobRoot, owner, user, content));
}

async function fillWorkspace(jobRoot: string, owner: Owner, user: SandboxUser | null, content: WorkspaceContent): Promise<Workspace> {
	const dir = path.join(jobRoot, `c_exec_${uuidv4()}`);
	// Not recursive: if the name exists (someone pre-created it), fail instead of using it.
	mkdirSync(dir, {mode: 0o700});
	const workspace: Workspace = {
		dir,
		binaryPath: path.join(dir, binaryName),
		stdinPath: path.join(dir, stdinName),
		dispose: async () => timed('cleanup', async () => removeTree(dir)),
	};
	try {
		writeFileSync(path.join(dir, ownerName), JSON.stringify(owner), {mode: 0o600, flag: 'wx'});
		chownAll([dir], user);
		await ('files' in content ? writeSources(workspace, content.files, user) : copyProgram(workspace, content.binaryFrom, user));
	} catch (error) {
		await cleanUpAfterFailure(async () => workspace.dispose());
		throw error;
	}

	return workspace;
}

/** A program compiled elsewhere into a job directory (made without one): mode 0755, owned by the job's uid. */
export async function copyProgram(workspace: Workspace, binaryFrom: string, user: SandboxUser | null): Promise<void> {
	// A small program is copied at once; a large one (tens of MiB of data) through the thread pool.
	if (statSync(binaryFrom).size <= syncCopyMaxBytes) {
		copyFileSync(binaryFrom, workspace.binaryPath, fsConstants.COPYFILE_EXCL);
	} else {
		await fs.copyFile(binaryFrom, workspace.binaryPath, fsConstants.COPYFILE_EXCL);
	}

	chmodSync(workspace.binaryPath, 0o755);
	chownAll([workspace.binaryPath], user);
}

/** Source files into a job directory, owned by the job's uid (the compile sandbox's, made ahead of them, too). */
export async function writeSources(workspace: Workspace, files: readonly SourceFile[], user: SandboxUser | null): Promise<void> {
	// Names were checked (plain names, none reserved); `wx` refuses to write over anything all the same.
	const paths = files.map(file => path.join(workspace.dir, file.name));
	for (const [index, file] of files.entries()) {
		writeFileSync(paths[index]!, file.content, {mode: 0o600, flag: 'wx'});
	}

	chownAll(paths, user);
}

/** A run's stdin file (empty when it has none), owned by the job's uid, read-only. */
export async function writeStdin(workspace: Workspace, stdin: string, user: SandboxUser | null): Promise<void> {
	// Written after the compile step, so the compiler never sees it; bound read-only into the run sandbox at
	// /run/c-runner/stdin, where the helper opens it as the job's uid. The run sandbox's job directory is a tmpfs of its own.
	writeFileSync(workspace.stdinPath, stdin, {mode: 0o400, flag: 'wx'});
	chownAll([workspace.stdinPath], user);
}

/**
 * A run sandbox made ahead of its job binds its program and stdin files before they are known: this makes them,
 * empty, with the modes and owner they will have (the program 0755, the stdin 0400, the job's uid).
 */
export async function writeRunPlaceholders(workspace: Workspace, user: SandboxUser | null): Promise<void> {
	writeFileSync(workspace.binaryPath, '', {mode: 0o755, flag: 'wx'});
	await writeStdin(workspace, '', user);
	chownAll([workspace.binaryPath], user);
}

/**
 * Programs up to this size are read and written synchronously (a few calls of microseconds, cheaper than hops
 * through the thread pool); larger ones in chunks through it: one synchronous copy of a 60 MiB program stalled the
 * event loop for most of a second, and a judge made one for each test case.
 */
export const syncCopyMaxBytes = 1024 * 1024;
const readAsync = promisify(read);
const writeAsync = promisify(write);

/** Copies `size` bytes from one descriptor to another, a MiB at a time through the thread pool. */
async function copyInChunks(from: number, to: number, size: number): Promise<void> {
	const chunk = Buffer.allocUnsafe(Math.min(syncCopyMaxBytes, size));
	for (let offset = 0; offset < size;) {
		const {bytesRead} = await readAsync(from, chunk, 0, chunk.length, offset);
		if (bytesRead === 0) {
			break;
		}

		for (let written = 0; written < bytesRead;) {
			const {bytesWritten} = await writeAsync(to, chunk, written, bytesRead - written, offset + written);
			written += bytesWritten;
		}

		offset += bytesRead;
	}
}

/** Read-only, never through a link, never waiting on a FIFO, never a controlling terminal. */
const readNoFollowFlags = fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK | fsConstants.O_NOCTTY;
/**
 * A placeholder is filled without O_TRUNC: it is empty (checked), and truncating an empty file on ext4 marks it for
 * allocation at close (`auto_da_alloc`), which wrote every program to disk and made its removal wait for the write
 * (and, on a `discard` mount, for the device's discard).
 */
const fillFlags = fsConstants.O_WRONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK | fsConstants.O_NOCTTY;

/**
 * A regular file's content (a program in a job directory), read once no process of its job is left to change it;
 * null when it is not a regular file, or is larger than `maxBytes`. Through the thread pool when it is larger than
 * `syncCopyMaxBytes`.
 */
export async function readRegularFileAsync(file: string, maxBytes = Number.POSITIVE_INFINITY): Promise<Buffer | null> {
	const fd = openSync(file, readNoFollowFlags);
	try {
		const stat = fstatSync(fd);
		if (!stat.isFile() || stat.size > maxBytes) {
			return null;
		}

		if (stat.size <= syncCopyMaxBytes) {
			return readFileSync(fd);
		}

		const content = Buffer.allocUnsafe(stat.size);
		let length = 0;
		while (length < content.length) {
			const {bytesRead} = await readAsync(fd, content, length, Math.min(syncCopyMaxBytes, content.length - length), length);
			if (bytesRead === 0) {
				break;
			}

			length += bytesRead;
		}

		return content.subarray(0, length);
	} finally {
		closeSync(fd);
	}
}

/** Opens an empty placeholder to fill it, runs `use` on the descriptor, and closes it whatever happens. */
async function withPlaceholder(file: string, use: (fd: number) => void | Promise<void>): Promise<void> {
	const fd = openSync(file, fillFlags);
	try {
		const stat = fstatSync(fd);
		if (!stat.isFile() || stat.size !== 0) {
			throw new Error(`${file} is not an empty placeholder`);
		}

		await use(fd);
	} finally {
		closeSync(fd);
	}
}

/**
 * Fills the placeholders of a run sandbox made ahead: the program (a regular file, never read through a link) and
 * the stdin are written into the very files it has bound, never replaced, so the sandbox sees them.
 */
export async function fillRunPlaceholders(workspace: Workspace, binaryFrom: string, stdin: string | null): Promise<void> {
	const from = openSync(binaryFrom, readNoFollowFlags);
	try {
		const stat = fstatSync(from);
		if (!stat.isFile()) {
			throw new Error(`${binaryFrom} is not a regular file`);
		}

		await withPlaceholder(workspace.binaryPath, async to => {
			if (stat.size <= syncCopyMaxBytes) {
				writeFileSync(to, readFileSync(from));
			} else {
				await copyInChunks(from, to, stat.size);
			}
		});
	} finally {
		closeSync(from);
	}

	if (stdin !== null && stdin !== '') {
		await withPlaceholder(workspace.stdinPath, fd => {
			writeFileSync(fd, stdin);
		});
	}
}

/** A new file in a job directory for the sandbox to read (bound read-only), owned by the job's uid; its path. */
export async function writeJobFile(workspace: Workspace, name: string, content: string | Buffer, user: SandboxUser | null): Promise<string> {
	const file = path.join(workspace.dir, name);
	writeFileSync(file, content, {mode: 0o400, flag: 'wx'});
	chownAll([file], user);
	return file;
}

/**
 * Job directories whose removal failed, tried again at each later removal (in the order they failed); at most this
 * many are kept, the oldest given up first (the next instance's start-up sweep takes those).
 */
const notRemoved = new Set<string>();
const notRemovedMax = 1000;

/**
 * A job directory of this server, removed at once (no link followed, nothing else crossed): it holds a few files —
 * the sources, the program, a stdin, a checker's three — so one synchronous walk (Node's own, in C++) takes some
 * 0.1 ms, where the asynchronous one hops through the thread pool for each file and took 1–2.5 ms a job.
 */
export async function removeTree(dir: string): Promise<void> {
	// Each removal first tries again those that failed before: a job root read-only for a while (EROFS) kept them.
	for (const earlier of notRemoved) {
		try {
			rmSync(earlier, {recursive: true, force: true});
			notRemoved.delete(earlier);
		} catch {
			break;
		}
	}

	try {
		rmSync(dir, {recursive: true, force: true});
	} catch (error) {
		notRemoved.add(dir);
		if (notRemoved.size > notRemovedMax) {
			notRemoved.delete(notRemoved.values().next().value!);
		}

		throw error;
	}
}

/** Largest owner mark read; the server writes `{"pid":…,"start":"…","lock":"…"}`, some 100 bytes. */
const ownerMarkBytes = 256;
const openDirFlags = fsConstants.O_RDONLY | fsConstants.O_DIRECTORY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK;

/**
 * The owner mark inside an opened job directory, read through `/proc/self/fd/<fd>` (openat on that very directory:
 * the path cannot be swapped under it). Trusted only as a regular file of this server's uid that nobody else may
 * write; never a FIFO, a device, a directory or a link (O_NONBLOCK: opening a FIFO does not wait for a writer).
 */
async function readOwnerMark(dirFd: number, serverUid: number): Promise<Owner | null> {
	const mark = await fs.open(`/proc/self/fd/${dirFd}/${ownerName}`, readNoFollowFlags).catch(() => null);
	if (mark === null) {
		return null;
	}

	try {
		const stat = await mark.stat();
		if (!stat.isFile() || stat.uid !== serverUid || (stat.mode & 0o022) !== 0 || stat.size > ownerMarkBytes) {
			return null;
		}

		const {buffer, bytesRead} = await mark.read(Buffer.alloc(ownerMarkBytes + 1), 0, ownerMarkBytes + 1, 0);
		const owner: unknown = JSON.parse(buffer.subarray(0, bytesRead).toString('utf8'));
		if (typeof owner === 'object' && owner !== null && 'pid' in owner && 'start' in owner
			&& Number.isSafeInteger(owner.pid) && typeof owner.start === 'string') {
			if (!('lock' in owner)) {
				return {pid: owner.pid as number, start: owner.start};
			}

			if (typeof owner.lock === 'string' && lockPattern.test(owner.lock)) {
				return {pid: owner.pid as number, start: owner.start, lock: owner.lock};
			}
		}
	} catch {} finally {
		await mark.close();
	}

	return null;
}

/** Who may own a job directory of this server: the server's own uid and its sandbox uids. */
export interface SweepScope {
	readonly serverUid: number;
	readonly ownerUids: ReadonlySet<number>;
}

export const sameInode = (a: {dev: number; ino: number}, b: {dev: number; ino: number}) => a.dev === b.dev && a.ino === b.ino;

/**
 * Deletes a tree without following a link or crossing a mount, even while a process inside it swaps directories
 * for symlinks: GNU rm walks with directory descriptors (openat O_NOFOLLOW, unlinkat relative to the descriptor,
 * device and inode checked on the way down), and `--one-file-system` skips any other mount.
 */
async function removeTreeSafely(dir: string): Promise<void> {
	// A process still writing inside (a leftover of the dead instance) can make one pass fail: a few more.
	for (let attempt = 1; ; attempt++) {
		const result = await execa('/bin/rm', ['-rf', '--one-file-system', '--', dir], {reject: false, env: {}, extendEnv: false, cwd: '/', timeout: 60_000});
		if (result.exitCode === 0) {
			return;
		}

		if (attempt === 3) {
			throw new Error(`rm failed (${result.exitCode ?? result.signal}): ${result.stderr.slice(0, 500)}`);
		}

		await new Promise(resolve => setTimeout(resolve, 200));
	}
}

const sweepDirPattern = /^\.c-runner-sweep-[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/;

/** A private directory an earlier sweep could not finish deleting: the server's uid, mode 0700, no link. */
async function isEarlierSweepDir(dir: string, rootDev: number, serverUid: number): Promise<boolean> {
	const stat = await fs.lstat(dir);
	return stat.isDirectory() && stat.uid === serverUid && (stat.mode & 0o7777) === 0o700 && stat.dev === rootDev;
}

type SweepOutcome = 'removed' | 'kept';

/**
 * One candidate: a real directory (not a link) on the job root's own file system, owned by the server or one of
 * its sandbox uids, holding an owner mark only the server's uid could have written that names a dead instance. It
 * is renamed into the sweep's private directory (0700, the server's), where nobody else can swap its name, and
 * checked to be the very directory examined; the sweep then deletes that private directory whole.
 */
interface SweepDir {
	/** Made on first use: `<root>/.c-runner-sweep-<uuid>`, mode 0700; null when the job root has no room for it. */
	path(): Promise<string | null>;
	/** Takes a job directory renamed to such a name, and made the server's alone, as the sweep's directory. */
	adopt(dir: string): void;
	/** Holds something that is not a job directory of ours: never deleted. */
	tainted: boolean;
}

/** Renames an examined directory, and gives it back untouched when what was renamed is not it (swapped meanwhile). */
async function moveExamined(dir: string, to: string, examined: {dev: number; ino: number}, sweepDir: SweepDir, logger: Logger): Promise<boolean> {
	await fs.rename(dir, to);
	if (sameInode(await fs.lstat(to), examined)) {
		return true;
	}

	logger.warn({dir}, 'job directory changed while being swept; left alone');
	await fs.rename(to, dir).catch((error: unknown) => {
		sweepDir.tainted = true;
		throw error;
	});
	return false;
}

async function sweepOne(dir: string, rootDev: number, scope: SweepScope, sweepDir: SweepDir, instances: Instances, logger: Logger): Promise<SweepOutcome> {
	// Synchronous: the server does not listen yet, and a job root of the world's (/tmp) may hold any number of entries
	// of that name made by anyone, each looked at: 50,000 took 2.2 s through the thread pool, 0.2–0.25 s so.
	const seen = lstatSync(dir);
	if (!seen.isDirectory() || !scope.ownerUids.has(seen.uid) || seen.dev !== rootDev) {
		logger.debug({dir, uid: seen.uid, type: seen.isDirectory() ? 'directory' : 'other'}, 'not a job directory of this server; left alone');
		return 'kept';
	}

	const handle = await fs.open(dir, openDirFlags);
	let examined;
	let into: string | null;
	try {
		examined = await handle.stat();
		if (!sameInode(examined, seen)) {
			return 'kept';
		}

		const owner = await readOwnerMark(handle.fd, scope.serverUid);
		if (owner === null || await instances.running(owner)) {
			return 'kept';
		}

		into = await sweepDir.path();
		if (into === null) {
			// No room for the sweep's own directory (out of inodes; on ext4, out of blocks), which is when the dead
			// instance's leftovers matter most: this one becomes it, made the server's alone first (through the
			// descriptor examined), so that nobody else may rename it or add to it once it has the sweep's name.
			await handle.chown(scope.serverUid, process.getgid?.() ?? 0);
			await handle.chmod(0o700);
		}
	} finally {
		await handle.close();
	}

	if (into === null) {
		const adopted = path.join(path.dirname(dir), `.c-runner-sweep-${uuidv4()}`);
		if (!await moveExamined(dir, adopted, examined, sweepDir, logger)) {
			return 'kept';
		}

		sweepDir.adopt(adopted);
		return 'removed';
	}

	return await moveExamined(dir, path.join(into, path.basename(dir)), examined, sweepDir, logger) ? 'removed' : 'kept';
}

/** What a lock file of the job root tells of its instance: it runs, or it is gone (its lock taken by the sweep, when the file is the server's). */
type LockState = 'running' | {readonly held: {readonly fd: number; readonly ino: number} | null};

/**
 * The instances whose marks (or lock files) one sweep finds, each asked once: whether it still runs. By its lock when
 * its marks name one (a held flock: it runs, in whatever pid namespace; a pid means nothing outside its own, and a
 * server in a container or under `unshare --pid` that shares the job root had its running jobs' directories swept);
 * by its pid and start when they do not (a server from before the lock). A dead instance's lock is held by the
 * sweep until release(), which then removes the lock file.
 */
class Instances {
	readonly #locks = new Map<string, Promise<LockState>>();
	readonly #jobRoot: string;
	readonly #rootDev: number;
	readonly #serverUid: number;

	constructor(jobRoot: string, rootDev: number, serverUid: number) {
		this.#jobRoot = jobRoot;
		this.#rootDev = rootDev;
		this.#serverUid = serverUid;
	}

	async running(owner: Owner): Promise<boolean> {
		if (owner.lock === undefined) {
			return processStart(owner.pid) === owner.start;
		}

		return await this.lock(owner.lock) === 'running';
	}

	/** A lock file's state, asked once per sweep. */
	async lock(name: string): Promise<LockState> {
		let state = this.#locks.get(name);
		if (state === undefined) {
			state = this.#examine(name);
			this.#locks.set(name, state);
		}

		return state;
	}

	/** Removes the lock files of the dead instances found (each while it is still the one locked) and releases them. */
	async release(): Promise<number> {
		let removed = 0;
		for (const [name, state] of this.#locks) {
			const found = await state.catch(() => null);
			if (found === null || found === 'running' || found.held === null) {
				continue;
			}

			const file = path.join(this.#jobRoot, name);
			try {
				if (lstatSync(file, {throwIfNoEntry: false})?.ino === found.held.ino) {
					rmSync(file, {force: true});
					removed++;
				}
			} catch {
				// A job root read-only now: the file stays, unlocked, for a later sweep.
			} finally {
				closeSync(found.held.fd);
			}
		}

		this.#locks.clear();
		return removed;
	}

	async #examine(name: string): Promise<LockState> {
		let fd: number;
		try {
			fd = openSync(path.join(this.#jobRoot, name), readNoFollowFlags);
		} catch (error) {
			// None (its instance removed it at its end; another sweep, after it had ended), or a link: nobody holds it.
			if (['ENOENT', 'ELOOP'].includes((error as NodeJS.ErrnoException).code ?? '')) {
				return {held: null};
			}

			throw error;
		}

		const stat = fstatSync(fd);
		// Not the server's own file: not a lock any instance of it holds, and not the sweep's to remove.
		if (!stat.isFile() || stat.uid !== this.#serverUid || stat.dev !== this.#rootDev) {
			closeSync(fd);
			return {held: null};
		}

		return await lockOrClose(fd) ? {held: {fd, ino: stat.ino}} : 'running';
	}
}

/**
 * Removes job directories whose creating instance is gone (a crash), trusting nothing in the job root: see
 * sweepOne. A directory of another user, of a live instance, without a valid mark, or that cannot be examined is
 * left alone; every error is logged and skipped, so the sweep never stops the server from starting.
 */
export async function sweepStaleWorkspaces(jobRoot: string, scope: SweepScope, logger: Logger): Promise<number> {
	const started = performance.now();
	let removed = 0;
	let root;
	let entries: string[];
	try {
		root = await fs.lstat(jobRoot);
		if (!root.isDirectory()) {
			throw new Error('not a directory');
		}

		// Without the sticky bit anyone may rename anyone's entries: nothing there can be told apart safely, and another
		// user could put a link where a job directory was between two of the server's calls (README: C_RUNNER_JOB_ROOT).
		if ((root.mode & 0o002) !== 0 && (root.mode & 0o1000) === 0) {
			logger.warn({jobRoot}, 'job root is writable by others without the sticky bit: a user who can write there could redirect the server\'s writes through a link (give it the sticky bit or make it private); stale job directories are not swept');
			return 0;
		}

		entries = await fs.readdir(jobRoot);
	} catch (error) {
		logger.warn({jobRoot, err: String(error)}, 'could not read the job root; stale job directories are not swept');
		return 0;
	}

	let made: string | null = null;
	const sweepDir: SweepDir = {
		async path() {
			if (made === null) {
				const dir = path.join(jobRoot, `.c-runner-sweep-${uuidv4()}`);
				try {
					await fs.mkdir(dir, {mode: 0o700});
				} catch (error) {
					if (['ENOSPC', 'EDQUOT'].includes((error as NodeJS.ErrnoException).code ?? '')) {
						return null;
					}

					throw error;
				}

				made = dir;
			}

			return made;
		},
		adopt(dir) {
			made = dir;
		},
		tainted: false,
	};

	for (const name of entries.filter(entry => sweepDirPattern.test(entry))) {
		const dir = path.join(jobRoot, name);
		try {
			if (await isEarlierSweepDir(dir, root.dev, scope.serverUid)) {
				await removeTreeSafely(dir);
				logger.info({dir}, 'removed what an earlier sweep left');
			}
		} catch (error) {
			logger.warn({dir, err: String(error)}, 'could not remove what an earlier sweep left');
		}
	}

	const instances = new Instances(jobRoot, root.dev, scope.serverUid);
	let leftAlone = 0;
	let locksRemoved = 0;
	try {
		for (const name of entries.filter(entry => jobDirPattern.test(entry))) {
			const dir = path.join(jobRoot, name);
			try {
				if (await sweepOne(dir, root.dev, scope, sweepDir, instances, logger) === 'removed') {
					removed++;
					logger.info({dir}, 'removing stale job directory');
				} else {
					leftAlone++;
				}
			} catch (error) {
				logger.warn({dir, err: String(error)}, 'could not sweep a job directory; left alone');
			}
		}

		if (made !== null && sweepDir.tainted) {
			// Renamed out of the pattern, so no later sweep deletes it either.
			const kept = `${made}-kept`;
			await fs.rename(made, kept).catch(() => {});
			logger.error({dir: kept}, 'the sweep directory holds something that was swapped in and could not be given back; left for a look');
		} else if (made !== null) {
			await removeTreeSafely(made).catch((error: unknown) => logger.warn({dir: made, err: String(error)}, 'could not delete every stale job directory'));
		}

		// The lock files of instances that are gone, whether or not they left a job directory.
		for (const name of entries.filter(entry => lockPattern.test(entry))) {
			await instances.lock(name).catch((error: unknown) => {
				logger.warn({file: path.join(jobRoot, name), err: String(error)}, 'could not tell whether an instance\'s lock is held; left alone');
			});
		}
	} finally {
		locksRemoved = await instances.release();
	}

	// Left alone: another instance's that runs, or of a uid this server does not run sandboxes as (another instance's,
	// or its own before a restart with fewer slots or another C_RUNNER_UID_BASE: those stay until a server of that uid
	// sweeps them). Counted, each named at debug level.
	logger.info({jobRoot, removed, leftAlone, locksRemoved, durationMs: Math.round(performance.now() - started)}, 'start-up sweep done');
	return removed;
}
