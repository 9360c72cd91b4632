// The server as it runs: src/ compiled to JavaScript in dist/, and the Node flags it runs with. One definition for
// every way of starting it (npm start, the tests and benchmarks, the image's CMD, which a test compares with this).
//   node scripts/build-server.mjs   build dist/ if src/ changed since it was built
// Plain JavaScript on purpose: setup runs it on whatever Node the machine has.
//
// Why not run src/*.ts directly, as Node can: its TypeScript stripper (a WebAssembly module and its 4.5 MiB of
// JavaScript) then stays resident in the server, ~17 MiB of a budget of 100 MB. dist/ mirrors src/ level for level,
// so every path a module finds relative to itself (the project root, package.json, the playground) is the same.
import {spawnSync} from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const serverBuild = path.join(root, 'dist');
export const serverMain = path.join(serverBuild, 'main.js');
/**
 * --optimize-for-size: V8's memory-favouring mode, a young generation of 1 MiB instead of up to 64 MiB and an old
 * generation grown in smaller steps. Under 4 clients the server's RSS 160 → 90–96 MiB, for ~2.5 ms more garbage
 * collection a request (its CPU a request about the same, as the process it forks is smaller).
 * --no-concurrent-recompilation: optimizing compiles on the main thread, not on V8's workers, whose memory for them
 * stayed with their threads' malloc arenas: RSS under the same load 4–7 MiB lower, CPU a request 0.8 ms lower
 * (interleaved runs); each compile holds the event loop for a few milliseconds instead.
 * --no-concurrent-sparkplug: baseline compiles on the main thread too. A worker thread compiling in the background can
 * wait for a garbage collection only the main thread does, while the main thread, exiting, waits for the workers:
 * Node's exit deadlock (nodejs/node#54918). Two servers hung so after SIGTERM, each in exit() for good, their worker
 * in ConcurrentBaselineCompiler waiting in AwaitCollectionBackground; with optimizing compiles already on the main
 * thread, no compiler is left on the workers.
 */
export const serverNodeArgs = ['--optimize-for-size', '--no-concurrent-recompilation', '--no-concurrent-sparkplug'];

/** Written last into a finished build: the hash of what it was built from. */
const stampFile = '.sources';

function tsFiles(dir) {
	return fs.readdirSync(dir, {withFileTypes: true}).flatMap(entry => {
		const file = path.join(dir, entry.name);
		return entry.isDirectory() ? tsFiles(file) : entry.name.endsWith('.ts') ? [file] : [];
	}).sort();
}

/** The hash of everything dist/ is made from: each source's path and bytes, both tsconfigs, the compiler's version. */
export function sourcesHash(base = root) {
	const hash = crypto.createHash('sha256');
	const inputs = ['tsconfig.json', 'tsconfig.build.json', 'node_modules/typescript/package.json', ...tsFiles(path.join(base, 'src')).map(file => path.relative(base, file))];
	for (const file of inputs) {
		hash.update(`${file}\0`).update(fs.readFileSync(path.join(base, file))).update('\0');
	}

	return hash.digest('hex');
}

const builtFrom = dir => {
	try {
		return fs.readFileSync(path.join(dir, stampFile), 'utf8');
	} catch {
		return null;
	}
};

const sleep = ms => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * When a process started, in clock ticks since boot (/proc/<pid>/stat's field 22); null when it cannot be read. The
 * server's own is processStart in src/proc.ts, which this script cannot import: it runs before src/ is built, and its
 * builders, one host's processes in one time namespace, need no boot-time offset.
 */
function processStart(pid) {
	try {
		const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
		return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
	} catch {
		return null;
	}
}

function processAlive(pid) {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return error.code === 'EPERM';
	}
}

/** `<pid> <start>` of this process: who holds a lock, told from a later process given the same pid. */
const holderText = () => `${process.pid} ${processStart(process.pid) ?? ''}`;

/**
 * Whether the builder a lock names has gone: its pid is not alive, or is now another process's (another start). A
 * lock naming no one (made by hand, or by an older build-server) is nobody's. No time of day plays a part: a lock's
 * age against the clock took a live builder's lock when the clock was set forward a minute (NTP at boot), and the
 * second builder deleted the first one's tree as it was being written.
 */
function holderGone(lock) {
	let text;
	try {
		text = fs.readFileSync(path.join(lock, 'pid'), 'utf8');
	} catch (error) {
		return error.code !== 'ENOENT' || fs.existsSync(lock);
	}

	const [pid, start] = text.trim().split(' ');
	const holder = Number.parseInt(pid, 10);
	if (!Number.isInteger(holder) || holder <= 0 || !processAlive(holder)) {
		return true;
	}

	const now = processStart(holder);
	return Boolean(start) && now !== null && now !== start;
}

/** Takes the lock: true when taken. Made whole (holder named) in a directory of its own, then renamed into place. */
function takeLock(cache, lock) {
	const made = fs.mkdtempSync(path.join(cache, `dist.lock-${process.pid}-`));
	fs.writeFileSync(path.join(made, 'pid'), holderText());
	try {
		fs.renameSync(made, lock);
		return true;
	} catch (error) {
		fs.rmSync(made, {recursive: true, force: true});
		if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') {
			throw error;
		}

		return false;
	}
}

/**
 * Builds dist/ unless it was built from the sources as they are; true when it built. Test files start servers from
 * parallel processes: one builds (a lock directory) while the others wait, then find it built. The build is made
 * beside dist/ and put in its place whole, so a half-built tree is never what a server starts from.
 */
export function ensureServerBuild({node = process.execPath, base = root, say = () => {}} = {}) {
	const dist = path.join(base, 'dist');
	const hash = sourcesHash(base);
	if (builtFrom(dist) === hash) {
		return false;
	}

	const cache = path.join(base, '.cache');
	fs.mkdirSync(cache, {recursive: true});
	const lock = path.join(cache, 'dist.lock');
	while (!takeLock(cache, lock)) {
		// A builder killed mid-build leaves its lock: taken over once its process is gone, however long it has held it.
		if (holderGone(lock)) {
			fs.rmSync(lock, {recursive: true, force: true});
			continue;
		}

		sleep(50);
	}

	try {
		if (builtFrom(dist) === hash) {
			return false;
		}

		say('compiling src/ into dist/');
		// Only the lock's holder makes these: any here now is what a builder killed mid-build left.
		for (const name of fs.readdirSync(cache).filter(entry => entry.startsWith('dist-'))) {
			fs.rmSync(path.join(cache, name), {recursive: true, force: true});
		}

		// A lock being made (dist.lock-<pid>-…) whose maker has gone: killed before it could rename it into place.
		for (const name of fs.readdirSync(cache).filter(entry => entry.startsWith('dist.lock-'))) {
			if (!processAlive(Number.parseInt(name.slice('dist.lock-'.length), 10))) {
				fs.rmSync(path.join(cache, name), {recursive: true, force: true});
			}
		}

		const fresh = fs.mkdtempSync(path.join(cache, 'dist-'));
		// mkdtemp makes it 0700; an unprivileged server (a test's, an install's) must read it as the checkout's src/.
		fs.chmodSync(fresh, 0o755);
		const result = spawnSync(node, [path.join(base, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(base, 'tsconfig.build.json'), '--outDir', fresh], {cwd: base, encoding: 'utf8'});
		if (result.error || result.status !== 0) {
			fs.rmSync(fresh, {recursive: true, force: true});
			throw new Error(`compiling src/ failed: ${result.error?.message ?? (`${result.stdout}${result.stderr}`.trim() || `tsc ended by ${result.signal ?? `exit code ${result.status}`}`)}`);
		}

		fs.writeFileSync(path.join(fresh, stampFile), hash);
		const old = `${fresh}-old`;
		if (fs.existsSync(dist)) {
			fs.renameSync(dist, old);
		}

		fs.renameSync(fresh, dist);
		fs.rmSync(old, {recursive: true, force: true});
		return true;
	} finally {
		fs.rmSync(lock, {recursive: true, force: true});
	}
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
	ensureServerBuild({say: message => process.stderr.write(`build-server: ${message}\n`)});
}
