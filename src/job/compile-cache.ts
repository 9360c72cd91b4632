import {createHash} from 'node:crypto';
import {closeSync, constants as fsConstants, fstatSync, lstatSync, openSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, writeFileSync, type Stats} from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type {CompileOutcome} from './classify.ts';
import type {Program} from './language.ts';
import {tryLock} from '../lock.ts';
import {processStart} from '../proc.ts';
import {ownerName, readRegularFileAsync, sameInode, syncCopyMaxBytes, type Owner} from './workspace.ts';

/** A compile's result as the cache keeps it: the outcome (gcc's diagnostics), and the program when it compiled. */
export interface CacheEntry {
	readonly outcome: CompileOutcome;
	readonly staticKb: number;
	/** The cached program, in the cache's own directory; null for a compile error. */
	readonly binary: string | null;
	readonly bytes: number;
}

/** What the cache did, for the metrics. */
export interface CacheListener {
	hit?(): void;
	miss?(): void;
	evicted?(): void;
	/** The bytes the cache holds, after each change. */
	size?(bytes: number): void;
}

/** The allocation unit a program file's size is rounded up to. */
const diskBlockBytes = 4096;

/**
 * The compile cache, content-addressed: the key is a hash of everything that makes the compiler's output what it is
 * (each source file's name and content, the language, the whole compile argv with the compiler's path, and that
 * compiler's version), so any change is a miss. Entries are bounded by bytes, least recently used out first.
 *
 * Programs live in a directory of the server's own, mode 0700, that no sandbox sees; a hit is copied into the new
 * job directory, so nothing a job does reaches the cached copy. Only compile results are kept — never a run — and only
 * those that a limit did not stop (a compile stopped at its time limit on a busy machine may pass another time).
 * Identical compiles arriving together run once: the others wait for it (`pending`).
 */
/**
 * The cache's directory as opened at start-up, used through the descriptor held open, never through its name again:
 * were it removed (an age-based /tmp cleaner, a hand), whatever is then put at its name — someone else's directory
 * where they could swap programs — is never written to nor read from; the cache then only misses.
 */
export interface CacheDir {
	/** Its name: for the logs, and to remove it at shutdown while it still names the directory opened. */
	readonly path: string;
	/** `/proc/self/fd/<fd>`: the directory opened, whatever is at `path` now. */
	readonly held: string;
	readonly fd: number;
}

/**
 * A failed compile whose diagnostics say a disk quota was exceeded: the job root's quota for the slot's uid, perhaps
 * (the sandbox's own /tmp is a tmpfs without one), so the same source may compile once there is room again. It is
 * answered as the compile error it is, but not kept. Unlike a full job root (a 503, after statfs confirms it), the
 * quota left cannot be read here, and a program could make gcc print those words itself: only keeping is given up.
 */
const mayBeQuota = (outcome: CompileOutcome) => !outcome.ok && outcome.diagnostics.includes('Disk quota exceeded');

export class CompileCache {
	/** Where entries are made: a held directory's `/proc/self/fd` path, or a plain path (the unit tests). */
	readonly #dir: string;
	readonly #opened: CacheDir | null;
	readonly #maxBytes: number;
	readonly #versions: ReadonlyMap<string, string>;
	readonly #listener: CacheListener;
	/** Insertion order is use order: the first entry is the least recently used. */
	readonly #entries = new Map<string, CacheEntry>();
	readonly #pending = new Map<string, Promise<CompileOutcome | null>>();
	#bytes = 0;
	/** Makes each partial file's name new: two stores of one key (one after its entry went) never share one. */
	#partials = 0;

	/** `versions`: each compiler's path and its `--version` line, read once at start-up. */
	constructor(dir: string | CacheDir, maxBytes: number, versions: ReadonlyMap<string, string>, listener: CacheListener = {}) {
		this.#dir = typeof dir === 'string' ? dir : dir.held;
		this.#opened = typeof dir === 'string' ? null : dir;
		this.#maxBytes = maxBytes;
		this.#versions = versions;
		this.#listener = listener;
	}

	/** Removes the cache's directory, at shutdown. */
	async close(): Promise<void> {
		const opened = this.#opened;
		if (opened === null) {
			await fs.rm(this.#dir, {recursive: true, force: true});
			return;
		}

		removeHeld(opened);
	}

	get stats() {
		return {entries: this.#entries.size, bytes: this.#bytes, maxBytes: this.#maxBytes};
	}

	keyOf(program: Program, argv: readonly string[]): string {
		const hash = createHash('sha256');
		// Length-prefixed fields: no two different inputs give the same byte stream.
		const field = (text: string) => hash.update(`${Buffer.byteLength(text)}:`).update(text);
		field(program.options.language);
		field(argv[0] ?? '');
		field(this.#versions.get(argv[0] ?? '') ?? 'unknown');
		field(String(argv.length));
		argv.forEach(field);
		field(String(program.files.length));
		for (const file of program.files) {
			field(file.name);
			field(file.content);
		}

		return hash.digest('hex');
	}

	/** The entry for a key, now the most recently used; undefined on a miss. A hit counts once `served` says so. */
	lookup(key: string): CacheEntry | undefined {
		const entry = this.#entries.get(key);
		if (entry === undefined) {
			this.#listener.miss?.();
			return undefined;
		}

		this.#entries.delete(key);
		this.#entries.set(key, entry);
		return entry;
	}

	/**
	 * What became of an entry `lookup` gave: copied into a job (a hit), or gone from the disk behind the server's back
	 * (a miss, and the entry is forgotten, so that the compile that follows is kept again).
	 */
	served(key: string, copied: boolean): void {
		if (copied) {
			this.#listener.hit?.();
			return;
		}

		this.#listener.miss?.();
		const entry = this.#entries.get(key);
		if (entry !== undefined) {
			this.#entries.delete(key);
			this.#bytes -= entry.bytes;
			this.#listener.size?.(this.#bytes);
		}
	}

	/**
	 * The compile of this key under way, if one is: it gives its outcome when the compile failed (so that identical
	 * requests that waited share it, kept or not), null when it succeeded.
	 */
	pending(key: string): Promise<CompileOutcome | null> | undefined {
		return this.#pending.get(key);
	}

	/**
	 * Marks a compile of this key as under way, for others to wait on; the returned function ends it, with the
	 * compile's outcome or null (it succeeded, or did not finish). Call with no `await` since `pending` said none
	 * was, so that two callers never both begin.
	 */
	begin(key: string): (failed: CompileOutcome | null) => void {
		let end!: (failed: CompileOutcome | null) => void;
		this.#pending.set(key, new Promise(resolve => {
			end = resolve;
		}));
		return failed => {
			this.#pending.delete(key);
			end(failed);
		};
	}

	/**
	 * Keeps a compile's result. `binaryPath` is the program in its job directory, read only once the compile
	 * sandbox is gone (no process of the job is left to change it), and only as a regular file, never through a link.
	 */
	async store(key: string, outcome: CompileOutcome, staticKb: number, binaryPath: string | null): Promise<void> {
		if (this.#maxBytes === 0 || outcome.stoppedBy !== null || this.#entries.has(key) || mayBeQuota(outcome)) {
			return;
		}

		let binary: string | null = null;
		let bytes = Buffer.byteLength(outcome.diagnostics) + key.length;
		// An entry larger than the whole cache would only empty it, itself included.
		if (bytes > this.#maxBytes) {
			return;
		}

		// Synchronous up to syncCopyMaxBytes, as a job directory's files are (workspace.ts): a program of some KiB, a
		// few calls of microseconds; a larger one through the thread pool.
		if (outcome.ok && binaryPath !== null) {
			const content = await readRegularFileAsync(binaryPath, this.#maxBytes - bytes);
			// What the file takes on disk, in whole blocks: what `du` counts against the bound.
			const onDisk = content === null ? 0 : Math.ceil(content.length / diskBlockBytes) * diskBlockBytes;
			if (content === null || bytes + onDisk > this.#maxBytes) {
				return;
			}

			binary = path.join(this.#dir, key);
			const partial = `${binary}.${process.pid}.${this.#partials++}.partial`;
			try {
				if (content.length <= syncCopyMaxBytes) {
					writeFileSync(partial, content, {mode: 0o400, flag: 'wx'});
				} else {
					await fs.writeFile(partial, content, {mode: 0o400, flag: 'wx'});
				}

				renameSync(partial, binary);
			} catch (error) {
				// A full disk: nothing half-written is left behind, and the entry is not kept.
				rmSync(partial, {force: true});
				throw error;
			}

			bytes += onDisk;
		}

		// Another store of this key may have finished while this one read or wrote through the thread pool (identical
		// requests that did not wait for one compile): its file is the one just renamed over, the same program, and its
		// bytes are counted already.
		const earlier = this.#entries.get(key);
		if (earlier !== undefined) {
			this.#bytes -= earlier.bytes;
			this.#entries.delete(key);
		}

		this.#entries.set(key, {outcome, staticKb, binary, bytes});
		this.#bytes += bytes;
		while (this.#bytes > this.#maxBytes && this.#entries.size > 0) {
			const [oldest, entry] = this.#entries.entries().next().value!;
			this.#entries.delete(oldest);
			this.#bytes -= entry.bytes;
			this.#listener.evicted?.();
			if (entry.binary !== null) {
				// A job copying it right now keeps its open file; one that opens it next finds none and compiles.
				rmSync(entry.binary, {force: true});
			}
		}

		this.#listener.size?.(this.#bytes);
	}
}

/** Removes everything in a held directory (through its `/proc/self/fd` path). */
function emptyHeld(held: string): void {
	for (const name of readdirSync(held)) {
		rmSync(path.join(held, name), {force: true, recursive: true});
	}
}

/** Empties a held directory and closes it; its name goes only while it names that directory, never one put there since. */
function removeHeld(opened: CacheDir): void {
	try {
		emptyHeld(opened.held);
		const named = lstatSync(opened.path, {throwIfNoEntry: false});
		if (named !== undefined && sameInode(named, fstatSync(opened.fd))) {
			rmdirSync(opened.path);
		}
	} finally {
		closeSync(opened.fd);
	}
}

/** Something at the cache directory's name that is not this server's own 0700 directory. */
class NotOursError extends Error {}

/** A cache directory opened: this server's uid's, and mode 0700. */
const ownPrivateDir = (stat: Stats) => stat.isDirectory() && stat.uid === process.getuid?.() && (stat.mode & 0o777) === 0o700;

/**
 * The cache's directory: `<base>/c-runner-compile-cache-<uid>`, mode 0700, the server's, marked with the owning
 * instance (`.owner`, as a job directory is), opened and held (see CacheDir). A leftover of a dead instance of the
 * same uid is emptied (entries are never trusted across restarts); one a live instance uses stops the server from
 * starting. Anything else at that name — a link, another user's directory, one others may enter: anyone may make one
 * in a shared /tmp — is left alone, and the cache goes to a new directory of a name nobody could know
 * (`<name>-XXXXXX`, made 0700 by mkdtemp), so that no other user can keep the server from starting. `onElsewhere`
 * is told why.
 */
export async function openCacheDir(base: string, owner: Owner, onElsewhere: (reason: string, dir: string) => void = () => {}): Promise<CacheDir> {
	const dir = path.join(base, `c-runner-compile-cache-${process.getuid?.() ?? 0}`);
	try {
		return await openNamedCacheDir(dir, owner, false);
	} catch (error) {
		if (!(error instanceof NotOursError)) {
			throw error;
		}

		// Those a dead instance of this uid made so before (crashed, it could not remove its own) go first.
		await removeDeadElsewhere(base, `${path.basename(dir)}-`);
		const fresh = await fs.mkdtemp(`${dir}-`);
		onElsewhere(error.message, fresh);
		return openNamedCacheDir(fresh, owner, true);
	}
}

/** Removes the cache directories named `<prefix>XXXXXX` in `base` that are this uid's, 0700, and locked by nobody. */
async function removeDeadElsewhere(base: string, prefix: string): Promise<void> {
	for (const name of readdirSync(base).filter(entry => entry.startsWith(prefix) && /^[\w-]+$/.test(entry))) {
		let fd: number;
		try {
			fd = openSync(path.join(base, name), fsConstants.O_RDONLY | fsConstants.O_DIRECTORY | fsConstants.O_NOFOLLOW);
		} catch {
			continue;
		}

		const stat = fstatSync(fd);
		if (!ownPrivateDir(stat) || !await tryLock(fd)) {
			closeSync(fd);
			continue;
		}

		// Ours, and no instance holds it: emptied and removed while this one holds its lock (closing releases it).
		removeHeld({path: path.join(base, name), held: `/proc/self/fd/${fd}`, fd});
	}
}

async function openNamedCacheDir(dir: string, owner: Owner, fresh: boolean): Promise<CacheDir> {
	const notOurs = () => new NotOursError(`${dir} exists and is not a directory of this server's uid with mode 0700`);
	let made = true;
	if (!fresh) {
		try {
			await fs.mkdir(dir, {mode: 0o700});
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
				throw error;
			}

			made = false;
		}
	}

	let fd: number;
	let locked = false;
	try {
		fd = openSync(dir, fsConstants.O_RDONLY | fsConstants.O_DIRECTORY | fsConstants.O_NOFOLLOW);
	} catch (error) {
		// A link (ELOOP) or not a directory (ENOTDIR).
		throw ['ELOOP', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '') ? notOurs() : error;
	}

	try {
		// Checked on the directory opened: what the name gave at that moment.
		const stat = fstatSync(fd);
		if (!ownPrivateDir(stat)) {
			throw notOurs();
		}

		const held = `/proc/self/fd/${fd}`;
		// The directory's flock, held through fd while this instance runs: the kernel's answer to another instance, in
		// any pid namespace, that it is in use (a pid and start were compared before, and a server in a container or
		// under `unshare --pid` sharing the directory was taken for dead and its cache emptied under it).
		const inUse = () => new Error(`${dir} is in use by a running instance: give each instance its own C_RUNNER_COMPILE_CACHE_DIR`);
		if (!await tryLock(fd)) {
			throw inUse();
		}

		locked = true;

		if (!made) {
			const mark = (() => {
				try {
					return JSON.parse(readFileSync(path.join(held, ownerName), 'utf8')) as Owner;
				} catch {
					return null;
				}
			})();
			// A server from before the lock held none: its pid and start tell.
			if (mark !== null && mark.lock === undefined && processStart(mark.pid) === mark.start) {
				throw inUse();
			}

			emptyHeld(held);
		}

		writeFileSync(path.join(held, ownerName), JSON.stringify(owner), {mode: 0o600, flag: 'wx'});
		return {path: dir, held, fd};
	} catch (error) {
		// One made here goes again (its owner mark could not be written: a full disk): nothing of this start is left. Not
		// one whose lock another instance took first: it is that one's now.
		if (made && locked) {
			removeHeld({path: dir, held: `/proc/self/fd/${fd}`, fd});
		} else {
			closeSync(fd);
		}

		throw error;
	}
}
