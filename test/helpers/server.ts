import {spawn, type ChildProcess} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import {fileURLToPath} from 'node:url';
import {execa} from 'execa';
import type {ExecutionContext} from 'ava';
import {acquireInstall, releaseInstall} from './install.ts';
import {cgroupMounts, instanceName, ownCgroups} from '../../src/sandbox/cgroup.ts';
import {procStatFields} from '../../src/proc.ts';
import {ensureServerBuild, serverMain, serverNodeArgs} from '../../scripts/build-server.mjs';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const examplesDir = path.join(projectRoot, 'examples');

// Servers start from dist/, as `npm start` and the image start it; built here first if src/ changed since (a test
// file run by itself after an edit).
ensureServerBuild();

/** Node's arguments that start the server as shipped: its flags, then dist/main.js (or an unprivileged copy's). */
export const serverArgs = (main = serverMain): string[] => [...serverNodeArgs, main];

/** Short limits so hostile programs end quickly; the defaults are tested by the unit tests of config. */
export const testLimits = {
	C_RUNNER_RUN_WALL_MS: '2000',
	C_RUNNER_RUN_CPU_MS: '1000',
	C_RUNNER_RUN_MEMORY_MB: '64',
	C_RUNNER_RUN_PROCESSES: '32',
	C_RUNNER_RUN_FILE_SIZE_MB: '1',
	C_RUNNER_RUN_DISK_MB: '8',
	C_RUNNER_RUN_OPEN_FILES: '64',
	C_RUNNER_OUTPUT_BYTES: String(64 * 1024),
	// A compile is never what a test stops at its limit; a cold g++ compile took 3.6 s of wall time on a loaded machine.
	C_RUNNER_COMPILE_WALL_MS: '60000',
} as const;

export interface RunningServer {
	readonly url: string;
	readonly pid: number;
	readonly jobRoot: string;
	readonly uids: readonly number[];
	readonly logs: Array<Record<string, unknown>>;
	readonly stderr: () => string;
	readonly process: ChildProcess;
	/** Where the server's compile cache directory is made (the server's own `c-runner-compile-cache-<uid>` inside). */
	readonly cacheDir: string;
	/** Sends the signal and waits for the exit, `waitMs` at most: then the server is killed and stop() throws. */
	stop(signal?: NodeJS.Signals, waitMs?: number): Promise<{code: number | null; signal: NodeJS.Signals | null}>;
}

/**
 * Starts the real server (`dist/main.js`, built from src/) as a child process on an ephemeral port. Each test file passes its own
 * uid base, so files running in parallel never share sandbox uids and "no process left" checks stay exact.
 */
/**
 * Added to every uid a test asks for, so that two checkouts running tests on one machine at once never share
 * sandbox uids (and "no process left" checks stay exact). 0 unless set.
 */
export const uidOffset = Number(process.env['C_RUNNER_TEST_UID_OFFSET'] ?? 0);

/**
 * Servers started and not yet stopped, with what the harness made for each: a test file that ends without stopping
 * one (a failed assertion throws, so a test without try/finally never reaches its stop; a failed hook; a time-out)
 * stops it, waits for it to go (up to 10 s), and removes its job root and cache directory, as stop() does.
 */
const unstopped = new Map<ChildProcess, () => void>();
process.once('exit', () => {
	for (const child of unstopped.keys()) {
		child.kill('SIGTERM');
	}

	// Nothing is reaped while the process exits: a server that has ended is a zombie by now.
	const gone = (pid: number | undefined) => pid === undefined || !fs.existsSync(`/proc/${pid}`) || /^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
	const deadline = Date.now() + 10_000;
	while (![...unstopped.keys()].every(child => gone(child.pid)) && Date.now() < deadline) {
		Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
	}

	// One still there is stuck (a process that hangs in its exit ignores signals it handles): killed, never left behind.
	for (const child of unstopped.keys()) {
		if (!gone(child.pid)) {
			child.kill('SIGKILL');
		}
	}

	for (const removeMade of unstopped.values()) {
		removeMade();
	}
});

/** How long stop() waits for a server to exit after its signal: past its default shutdown time (30 s) and cleanup. */
const exitWaitMs = 45_000;

export async function startServer(requested: {
	uidBase: number;
	env?: Record<string, string>;
	jobRoot?: string;
	defaultLimits?: boolean;
	/** Run the server itself as this unprivileged uid (and gid), as in a container: every sandbox then has it too. */
	runAs?: number;
	/** Start the server as the leader of its own process group, as a shell starts `npm start` in a terminal. */
	detached?: boolean;
	/** A command the server is started through, which execs it in the end (so the server keeps its pid). */
	wrap?: readonly string[];
}): Promise<RunningServer> {
	const options = {
		...requested,
		uidBase: requested.uidBase + uidOffset,
		...(requested.runAs === undefined ? {} : {runAs: requested.runAs + uidOffset}),
	};
	const jobRoot = options.jobRoot ?? fs.mkdtempSync(path.join(os.tmpdir(), 'c-runner-test-'));
	// Only a job root the harness made is changed: one a test made is the test's to prepare, and a shared one (/tmp,
	// mode 1777) stays exactly as it is.
	if (options.jobRoot === undefined) {
		if (options.runAs === undefined) {
			fs.chmodSync(jobRoot, 0o711);
		} else {
			fs.chownSync(jobRoot, options.runAs, options.runAs);
		}
	}

	// Each server its own compile cache: two servers of one uid may not share one (the second would refuse to start).
	const cacheBase = fs.mkdtempSync(path.join(os.tmpdir(), 'c-runner-test-cache-'));
	if (options.runAs !== undefined) {
		fs.chownSync(cacheBase, options.runAs, options.runAs);
	}

	const concurrency = Number(options.env?.['C_RUNNER_CONCURRENCY'] ?? 4);
	const install = options.runAs === undefined ? {node: process.execPath, main: serverMain} : acquireInstall();
	// setpriv: the server is sent SIGTERM when the thread that started it ends, however it ends. A test file killed at
	// its time-out runs no exit hook, and its servers, left running, once took the next run's uids and failed its tests.
	const [command, ...args] = ['setpriv', '--pdeathsig', 'SIGTERM', ...options.wrap ?? [], install.node, ...serverArgs(install.main)];
	const child = spawn(command!, args, {
		env: {
			PATH: process.env['PATH'] ?? '/usr/bin:/bin',
			PORT: '0',
			C_RUNNER_JOB_ROOT: jobRoot,
			C_RUNNER_UID_BASE: String(options.uidBase),
			C_RUNNER_CONCURRENCY: String(concurrency),
			C_RUNNER_CANARY: 'server-secret-canary',
			C_RUNNER_COMPILE_CACHE_DIR: cacheBase,
			...(options.defaultLimits ? {} : testLimits),
			...options.env,
		},
		stdio: ['ignore', 'pipe', 'pipe'],
		...(options.runAs === undefined ? {} : {uid: options.runAs, gid: options.runAs}),
		...(options.detached ? {detached: true} : {}),
	});
	let stderr = '';
	child.stderr!.on('data', (chunk: Buffer) => {
		stderr += chunk.toString();
	});
	const logs: Array<Record<string, unknown>> = [];
	/** What the harness made for this server, removed by stop() (the job root only when empty: anything left stays for a look). */
	const removeMade = () => {
		fs.rmSync(cacheBase, {recursive: true, force: true});
		if (options.jobRoot === undefined) {
			try {
				fs.rmdirSync(jobRoot);
			} catch {}
		}
	};

	unstopped.set(child, removeMade);
	const exited = new Promise<{code: number | null; signal: NodeJS.Signals | null}>(resolve => {
		child.once('exit', (code, signal) => {
			if (options.runAs !== undefined) {
				releaseInstall();
			}

			resolve({code, signal});
		});
	});
	let listening = false;
	const port = await new Promise<number>((resolve, reject) => {
		readline.createInterface({input: child.stdout!}).on('line', line => {
			const entry = JSON.parse(line) as Record<string, unknown>;
			logs.push(entry);
			if (entry['msg'] === 'c-runner listening') {
				listening = true;
				resolve(entry['port'] as number);
			}
		});
		void exited.then(({code}) => {
			if (listening) {
				// Its job root and cache stay for the test to look at, until stop().
				return;
			}

			// What the harness made for it goes with it: a server that never listened has nothing in them to look at.
			unstopped.delete(child);
			fs.rmSync(cacheBase, {recursive: true, force: true});
			if (options.jobRoot === undefined) {
				fs.rmSync(jobRoot, {recursive: true, force: true});
			}

			reject(new Error(`server exited with ${code} before listening: ${stderr}`));
		});
	});
	return {
		url: `http://127.0.0.1:${port}`,
		pid: child.pid!,
		jobRoot,
		// The slot uids and the health check's own; or the one uid of an unprivileged server.
		uids: options.runAs === undefined ? Array.from({length: concurrency + 1}, (_unused, index) => options.uidBase + index) : [options.runAs],
		logs,
		stderr: () => stderr,
		process: child,
		cacheDir: cacheBase,
		async stop(signal = 'SIGTERM', waitMs = exitWaitMs) {
			if (child.exitCode === null && child.signalCode === null) {
				child.kill(signal);
			}

			let timer: NodeJS.Timeout | undefined;
			const result = await Promise.race([exited, new Promise<null>(resolve => {
				timer = setTimeout(resolve, waitMs, null);
			})]);
			clearTimeout(timer);
			if (result === null) {
				// A server hung in its exit is killed and the test told: it would hold its uids and job root for good.
				const threads = fs.readdirSync(`/proc/${child.pid}/task`).map(task => readProcText(`/proc/${child.pid}/task/${task}/comm`)?.trim());
				child.kill('SIGKILL');
				await exited;
				unstopped.delete(child);
				removeMade();
				throw new Error(`the server did not exit within ${waitMs} ms of ${signal} (killed; its threads were ${threads.join(', ')}); its last lines: ${JSON.stringify(logs.slice(-3))}`);
			}

			unstopped.delete(child);
			removeMade();
			return result;
		},
	};
}

export async function execute(server: RunningServer, body: Record<string, unknown>) {
	const response = await fetch(`${server.url}/execute_c`, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)});
	return {status: response.status, headers: response.headers, body: await response.json() as Record<string, any>};
}

export const example = (name: string) => fs.readFileSync(path.join(examplesDir, name), 'utf8');

/** Some hundreds of small functions: gcc -O2 takes 2.5 s of CPU on them. The program prints "0"; `tail` ends main. */
export const slowSource = (tail = '') => [
	'#include <stdio.h>',
	...Array.from({length: 700}, (_unused, index) => `int f${index}(int x) { int s = 0; for (int j = 0; j < x; j++) s += (j * ${index}) % 7; return s; }`),
	`int main(void) { printf("%d\\n", f7(10)); ${tail} return 0; }`,
].join('\n');

interface HostProcess {
	readonly pid: number;
	readonly uid: number;
	readonly cwd: string | null;
	readonly command: string;
}

/** Every process on the host now: its pid, uid, working directory and command line. */
export function hostProcesses(): HostProcess[] {
	const processes: HostProcess[] = [];
	for (const entry of fs.readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) {
			continue;
		}

		try {
			const status = fs.readFileSync(`/proc/${entry}/status`, 'utf8');
			const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
			let cwd: string | null = null;
			try {
				cwd = fs.readlinkSync(`/proc/${entry}/cwd`);
			} catch {}

			processes.push({pid: Number(entry), uid, cwd, command: fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ').trim()});
		} catch {
			// The process ended while we looked.
		}
	}

	return processes;
}

const isPrivateRoot = (server: RunningServer) => path.basename(server.jobRoot).startsWith('c-runner-test-');

/** Whether a job directory under a shared job root (/tmp) is this server's, by the owner mark it writes. */
function ownedJobDir(server: RunningServer, name: string): boolean {
	try {
		const mark = path.join(server.jobRoot, name, '.owner');
		// A planted FIFO would block the read forever.
		return fs.lstatSync(mark).isFile() && JSON.parse(fs.readFileSync(mark, 'utf8')).pid === server.pid;
	} catch {
		return false;
	}
}

/**
 * Processes a server's sandboxes left on the host: owned by one of its sandbox uids, or working in one of its job
 * directories (found by owner uid and working directory, never by name).
 */
export function leftoverProcesses(server: RunningServer): HostProcess[] {
	const inJobDir = (cwd: string | null) => {
		if (cwd === null || !cwd.startsWith(`${server.jobRoot}/`)) {
			return false;
		}

		const name = cwd.slice(server.jobRoot.length + 1).split('/')[0]!;
		return isPrivateRoot(server) ? !heldByAnother(server, name) : ownedJobDir(server, name);
	};

	// Each process is looked at again as it is now, in the order a launcher goes through: a copy of the server
	// between fork and exec, then the launcher. One that was the first a moment ago is the second now.
	const serverExe = exeOf(server.pid);
	const starting = (pid: number) => procStatFields(pid)?.[1] === String(server.pid) && serverExe !== null && exeOf(pid) === serverExe;
	const now = () => hostProcesses().filter(proc => proc.pid !== server.pid && (server.uids.includes(proc.uid) || inJobDir(proc.cwd))
		&& !starting(proc.pid) && waitingLauncher(server, proc.pid) === null);
	// One with no command line has exited and is being reaped (its memory is gone); one with the server's own was a
	// copy of the server about to exec a launcher (its /proc/<pid>/exe may be unreadable in the middle of that).
	const serverCommand = (readProcText(`/proc/${server.pid}/cmdline`) ?? '').replaceAll('\0', ' ').trim();
	// And one whose command line is another by the time it is judged ended or exec'd in between (a launcher becoming
	// bwrap, read while its new image was set up): it was judged on a mix of the two.
	const changedSince = (proc: HostProcess) => (readProcText(`/proc/${proc.pid}/cmdline`) ?? '').replaceAll('\0', ' ').trim() !== proc.command;
	return leftoverOnSecondLook(now, proc => proc.command === '' || proc.command === serverCommand || changedSince(proc), proc => proc.pid, 50);
}

/**
 * What `now` lists, but a `passing` entry — one that may be between two states the check allows — only if it is
 * still listed `ms` later (the test process sleeps; the server runs on): a real leftover stays, passing ones go.
 */
function leftoverOnSecondLook<T>(now: () => T[], passing: (entry: T) => boolean, key: (entry: T) => unknown, ms: number): T[] {
	const first = now();
	// Judged at the first look: a second look may find the entry gone.
	const passed = new Set(first.filter(passing));
	if (passed.size === 0) {
		return first;
	}

	Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
	const again = new Set(now().map(key));
	return first.filter(entry => !passed.has(entry) || again.has(key(entry)));
}

const exeOf = (pid: number) => {
	try {
		return fs.readlinkSync(`/proc/${pid}/exe`);
	} catch {
		return null;
	}
};

/** A process the server started ahead of a slot's next job (src/job/launchers.ts), and its step's cgroup name. */
export interface WaitingLauncher {
	readonly pid: number;
	readonly uid: number;
	/** The name of its memory cgroup: `ahead-<uid>-<step>-<suffix>`. */
	readonly cgroup: string;
	readonly step: 'compile' | 'run';
	/** A sandbox made ahead: its launcher (about to exec bwrap), bwrap, and the helper inside. */
	readonly kind: 'launcher' | 'bwrap' | 'helper';
	/** For bwrap: the job directory of the sandbox (its working directory). */
	readonly dir?: string;
}

const memoryOf = (pid: number) => /^\d+:memory:(.*)$/m.exec(readProcText(`/proc/${pid}/cgroup`) ?? '')?.[1];
/** The helper as bwrap runs it: `helperInSandbox` (src/sandbox/bwrap-args.ts). */
const helperInSandbox = '/run/c-runner/sandbox';
/**
 * A job cgroup made ahead, by its name `ahead-<uid>-<step>-<suffix>`: its slot's uid, its step, and `slot`, the two
 * together (the server keeps one sandbox waiting for each).
 */
function aheadCgroup(name: string | undefined): {uid: number; step: WaitingLauncher['step']; slot: string} | undefined {
	const found = /^ahead-(\d+)-(compile|run)-/.exec(name ?? '');
	return found ? {uid: Number(found[1]), step: found[2] as WaitingLauncher['step'], slot: `${found[1]}:${found[2]}`} : undefined;
}

/** The step of a cgroup made ahead for this uid's slot. */
const aheadName = (uid: number, name: string | undefined) => {
	const ahead = aheadCgroup(name);
	return ahead?.uid === uid ? ahead.step : undefined;
};

/**
 * The process, if it is one the server started ahead of a slot's next job and that waits for it, holding nothing
 * of any job: a process of a sandbox uid, in (or, a launcher not yet joined, about to join) one `ahead-` job cgroup
 * of the server, that is part of a sandbox made ahead for a step, whose helper's command is still to come (its
 * command line ends at `--`, after `--command-fd`): its launcher about to exec bwrap, bwrap, or the helper inside,
 * which has no child (nothing was run in it yet).
 * The only processes of the sandbox uids a clean host may hold: assertHostClean allows these, one sandbox per slot
 * and step.
 */
function waitingLauncher(server: RunningServer, pid: number): WaitingLauncher | null {
	const uid = Number(/^Uid:\s+(\d+)/m.exec(readProcText(`/proc/${pid}/status`) ?? '')?.[1]);
	const args = (readProcText(`/proc/${pid}/cmdline`) ?? '').split('\0').slice(0, -1);
	if (!server.uids.includes(uid) || !args.includes('--command-fd') || args.at(-1) !== '--') {
		return null;
	}

	// Its executable, or — unreadable for a moment (a process between two execs) — its argv[0].
	const exe = path.basename(exeOf(pid) ?? args[0] ?? '');
	const memory = memoryOf(pid) ?? '';
	if (exe.startsWith('c-runner-launch')) {
		// The cgroups it was told to join: one name, under this server's instance cgroups; joined, or about to.
		const joins = args.filter(arg => arg.endsWith('/cgroup.procs')).map(arg => path.dirname(arg));
		const names = new Set(joins.map(dir => path.basename(dir)));
		const [name] = names;
		const mine = joins.length > 0 && names.size === 1 && joins.every(dir => path.basename(path.dirname(dir)) === instanceName(server.pid));
		const placed = path.basename(memory) === name || memory === memoryOf(server.pid);
		const step = aheadName(uid, name);
		return mine && placed && step !== undefined ? {pid, uid, cgroup: name!, step, kind: 'launcher'} : null;
	}

	const step = path.basename(path.dirname(memory)) === instanceName(server.pid) ? aheadName(uid, path.basename(memory)) : undefined;
	if (step === undefined) {
		return null;
	}

	if (exe === 'bwrap') {
		const dir = args[args.indexOf('--chdir') + 1];
		return {pid, uid, cgroup: path.basename(memory), step, kind: 'bwrap', ...(dir === undefined ? {} : {dir})};
	}

	const children = (readProcText(`/proc/${pid}/task/${pid}/children`) ?? '').trim();
	return args[0] === helperInSandbox && children === '' ? {pid, uid, cgroup: path.basename(memory), step, kind: 'helper'} : null;
}

/** The server's processes started ahead, waiting (see waitingLauncher). */
export function waitingLaunchers(server: RunningServer): WaitingLauncher[] {
	return hostProcesses().flatMap(proc => waitingLauncher(server, proc.pid) ?? []);
}

/**
 * What waits once the server has started all it starts ahead, for `slots` slots: a compile sandbox and a run sandbox
 * made ahead (bwrap, and the helper inside) for each; waited for, up to two seconds.
 */
export async function settledAhead(server: RunningServer, slots: number): Promise<WaitingLauncher[]> {
	const complete = (list: WaitingLauncher[]) => list.length === 4 * slots
		&& (['compile', 'run'] as const).every(step => ['bwrap', 'helper'].every(kind => list.filter(entry => entry.step === step && entry.kind === kind).length === slots));
	let launchers: WaitingLauncher[] = [];
	await waitFor(() => complete(launchers = waitingLaunchers(server)), 2000, 10);
	return launchers;
}

/**
 * Job directories this server left. A private job root must be empty; in a shared one (/tmp) only the directories
 * whose owner mark names this server count: another instance's live jobs are not its business.
 */
export function leftoverJobDirs(server: RunningServer): string[] {
	// One that holds nothing but perhaps the owner mark and a run's empty files may be a sandbox's made ahead, still
	// being made (the directory is made, marked, given to the slot's uid, then filled), or one being replaced (the one it
	// replaces not yet removed).
	return leftoverOnSecondLook(() => jobDirsNow(server), name => placeholdersOnly(path.join(server.jobRoot, name)) !== null, name => name, 50);
}

function jobDirsNow(server: RunningServer): string[] {
	// A private job root is removed by stop() only when it was empty.
	const names = fs.existsSync(server.jobRoot) ? fs.readdirSync(server.jobRoot) : [];
	// In a private root, everything counts but what another live instance sharing it holds (a test of two).
	const mine = isPrivateRoot(server) ? names.filter(name => !heldByAnother(server, name) && !heldLock(server, name)) : names.filter(name => name.startsWith('c_exec_') && ownedJobDir(server, name));
	const ahead = new Set(aheadJobDirs(server));
	return mine.filter(name => !ahead.has(name));
}

/**
 * A running instance's lock file (`.c-runner-instance-<uuid>`), whose flock it holds: its own, not something left.
 * One nobody holds is a leftover. Read from the kernel's table of locks (`FLOCK … <major>:<minor>:<inode>`, the device
 * in hex), not by trying the lock with flock(1): a process spawned synchronously at every look held the test
 * worker's event loop, which polls for leftovers every 50 ms in many tests at once.
 */
export function heldLock(server: RunningServer, name: string): boolean {
	const stat = name.startsWith('.c-runner-instance-') ? fs.lstatSync(path.join(server.jobRoot, name), {throwIfNoEntry: false}) : undefined;
	if (stat === undefined) {
		return false;
	}

	const major = (stat.dev >> 8) & 0xf_ff;
	const minor = (stat.dev & 0xff) | ((stat.dev >> 12) & 0xf_ff_00);
	const id = `${major.toString(16).padStart(2, '0')}:${minor.toString(16).padStart(2, '0')}:${stat.ino}`;
	return (readProcText('/proc/locks') ?? '').split('\n').some(line => / FLOCK /.test(line) && line.split(/\s+/).includes(id));
}

/** A job directory whose owner mark names another process that is alive: another instance's. */
function heldByAnother(server: RunningServer, name: string): boolean {
	try {
		const mark = path.join(server.jobRoot, name, '.owner');
		const pid = fs.lstatSync(mark).isFile() ? Number(JSON.parse(fs.readFileSync(mark, 'utf8')).pid) : Number.NaN;
		return Number.isSafeInteger(pid) && pid !== server.pid && fs.existsSync(`/proc/${pid}`);
	} catch {
		return false;
	}
}

/** What a run sandbox made ahead has in its job directory besides the owner mark: the empty files it binds. */
const runPlaceholders = new Set(['source', 'stdin']);

/** The job directory holds the owner mark (or not yet) and at most a run's empty files: what it holds besides the mark, or null. */
function placeholdersOnly(dir: string): string[] | null {
	try {
		const entries = fs.readdirSync(dir).filter(entry => entry !== '.owner');
		const emptyFile = (entry: string) => {
			const stat = fs.lstatSync(path.join(dir, entry));
			return stat.isFile() && stat.size === 0;
		};
		return entries.every(entry => runPlaceholders.has(entry) && emptyFile(entry)) ? entries : null;
	} catch {
		return null;
	}
}

/**
 * The job directories of the sandboxes the server made ahead (src/job/launchers.ts), one per slot and step, made only
 * once the sandbox's cgroup is (whose launcher may not be there yet), owned by the slot's uid: a compile's, empty
 * but for the owner mark; a run's, holding besides it only the empty program and stdin files (or, being made, some of
 * them). Names in the job root.
 */
export function aheadJobDirs(server: RunningServer): string[] {
	const instance = instanceCgroups(server).get('memory');
	// The steps of each slot with a cgroup made ahead, each allowed one job directory.
	const allowed = new Map<string, number>();
	for (const entry of instance !== undefined && fs.existsSync(instance) ? fs.readdirSync(instance) : []) {
		const ahead = aheadCgroup(entry);
		if (ahead) {
			allowed.set(ahead.slot, 1);
		}
	}

	const names = fs.existsSync(server.jobRoot) ? fs.readdirSync(server.jobRoot).filter(name => name.startsWith('c_exec_') && ownedJobDir(server, name)) : [];
	const take = (key: string) => {
		const left = allowed.get(key) ?? 0;
		allowed.set(key, left - 1);
		return left > 0;
	};

	return names.filter(name => {
		const dir = path.join(server.jobRoot, name);
		let uid = -1;
		try {
			uid = fs.statSync(dir).uid;
		} catch {
			return false;
		}

		const entries = placeholdersOnly(dir);
		if (entries === null) {
			return false;
		}

		// Only the mark: a compile's (or a run's not yet given its files).
		return entries.length === 0 ? take(`${uid}:compile`) || take(`${uid}:run`) : take(`${uid}:run`);
	});
}

/**
 * Job cgroups a server left: the directories under its instance cgroups (`c-runner-<pid>-<start>` under the server's own
 * cgroup of each controller). Its instance directories live as long as it does; only their job children must go.
 */
export function leftoverJobCgroups(server: RunningServer): string[] {
	// One started ahead whose processes ended while it waited is replaced by the server at once (its cgroup goes
	// within milliseconds). Any other stays a leftover.
	return leftoverOnSecondLook(() => jobCgroupsNow(server), dir => aheadCgroup(path.basename(dir)) !== undefined, dir => dir, 100);
}

/** The server's instance cgroup of each v1 controller: `c-runner-<pid>-<start>` under the server's own cgroup there. */
function instanceCgroups(server: RunningServer): Map<string, string> {
	return new Map([...ownCgroupDirs(readProcText(`/proc/${server.pid}/cgroup`) ?? '')].map(([controller, dir]) => [controller, path.join(dir, instanceName(server.pid))]));
}

/** The directory of each v1 controller's cgroup that a process (its /proc/<pid>/cgroup) is in. */
function ownCgroupDirs(cgroupText: string): Map<string, string> {
	const own = ownCgroups(cgroupText);
	return new Map([...cgroupMounts(fs.readFileSync('/proc/self/mountinfo', 'utf8'))].map(([controller, mount]) => [controller, path.join(mount.point, own.get(controller) ?? '/')]));
}

/**
 * The instance cgroups that a server this process started, and that has ended, left behind: `c-runner-<pid>-<start>` under
 * this process's own cgroups, where the server's were.
 */
export const leftoverInstanceCgroups = (pid: number): string[] => [...ownCgroupDirs(fs.readFileSync('/proc/self/cgroup', 'utf8')).values()]
	.flatMap(dir => (fs.existsSync(dir) ? fs.readdirSync(dir) : []).filter(name => name === `c-runner-${pid}` || name.startsWith(`c-runner-${pid}-`)).map(name => path.join(dir, name)));

function jobCgroupsNow(server: RunningServer): string[] {
	const leftovers: string[] = [];
	for (const instance of instanceCgroups(server).values()) {
		const entries = fs.existsSync(instance) ? fs.readdirSync(instance, {withFileTypes: true}) : [];
		// A waiting launcher's cgroup holds it alone; the cgroup of one being started has nothing in it yet. Either
		// is allowed once per slot's step and controller (a second would be a leak); anything else in one is left over.
		const steps = new Set<string>();
		leftovers.push(...entries.filter(entry => entry.isDirectory()).map(entry => path.join(instance, entry.name)).filter(dir => {
			const step = aheadCgroup(path.basename(dir))?.slot;
			if (step === undefined || steps.has(step)) {
				return true;
			}

			steps.add(step);
			const procs = (readProcText(path.join(dir, 'cgroup.procs')) ?? '').split('\n').filter(Boolean).map(Number);
			// Read after the cgroup's list: a launcher in it then is still there now (waiting ones wait).
			// A sandbox made ahead: its launcher, or bwrap and the helper.
			return procs.length > 2 || !procs.every(pid => waitingLauncher(server, pid)?.cgroup === path.basename(dir));
		}));
	}

	return leftovers;
}

const readProcText = (file: string) => {
	try {
		return fs.readFileSync(file, 'utf8');
	} catch {
		return null;
	}
};

/**
 * Whether a job's program runs: a process started from one of the server's job directories. (Any process of the
 * sandbox uids is not enough: one being made ahead of the next job, caught between two states, may be listed before
 * the request has even reached the server.)
 */
export const programRuns = (server: RunningServer) => leftoverProcesses(server).some(proc => proc.command.startsWith(`${server.jobRoot}/c_exec_`));

/**
 * Polls a condition until it holds or the time is up (a server's log lines and its clean-up arrive on their own
 * time); true if it held.
 */
export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 50): Promise<boolean> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (await condition()) {
			return true;
		}

		await new Promise(resolve => setTimeout(resolve, intervalMs));
	}

	// After a stall of the test's own event loop the deadline may pass before what arrived meanwhile (a log line,
	// an exit) is read: that is read first, then the condition looked at once more.
	await new Promise(resolve => setImmediate(resolve));
	return condition();
}

/** Waits, up to the time given, for a server to have no job directory and no sandboxed process left. */
export const eventuallyClean = async (server: RunningServer, timeoutMs = 10_000) =>
	waitFor(() => leftoverJobDirs(server).length === 0 && leftoverProcesses(server).length === 0, timeoutMs);

/** Waits, up to the time given, for a log line of the server's that the predicate picks. */
export const eventuallyLogged = async (server: RunningServer, predicate: (entry: Record<string, unknown>) => boolean, timeoutMs = 15_000) =>
	waitFor(() => server.logs.some(entry => predicate(entry)), timeoutMs);

/**
 * No job directory, sandboxed process or job cgroup of the server's left. A job's clean-ups follow its answer (the slot
 * is held until they are done), so they are waited for, a few seconds at most, before the host is looked at.
 */
export async function assertHostClean(t: ExecutionContext, server: RunningServer, timeoutMs = 10_000) {
	await waitFor(() => leftoverJobDirs(server).length === 0 && leftoverProcesses(server).length === 0 && leftoverJobCgroups(server).length === 0, timeoutMs);
	t.deepEqual(leftoverJobDirs(server), [], 'no job directory left behind');
	t.deepEqual(leftoverProcesses(server), [], 'no sandboxed process left behind');
	t.deepEqual(leftoverJobCgroups(server), [], 'no job cgroup left behind');
}

/**
 * How a fork bomb (examples/fork-bomb.c) may end: held at the process limit, its spinning copies reach the CPU limit
 * (summed over the job) or, on a starved machine, the wall clock — or, with job cgroups, the memory limit first: every
 * fork refused at the limit still allocates a task and its kernel stack, freed only after an RCU grace period and
 * charged to the job until then, so thousands of refused forks a millisecond can fill the job's memory with kernel
 * memory. Each of these is the limit the job reached first, and the figures must say so.
 */
export function assertForkBombStopped(t: ExecutionContext, body: Record<string, any>, memoryMb: number) {
	t.like(body, {exit_code: -9, signal: 'SIGKILL'});
	if (body['status'] === 'memory_limit') {
		t.is(body['stopped_by'], 'memory');
		t.true(body['memory_kb'] >= memoryMb * 1024, `memory_kb ${body['memory_kb']} under the limit of ${memoryMb} MiB`);
		return;
	}

	t.is(body['status'], 'time_limit', JSON.stringify(body));
	t.true(['cpu_time', 'wall_time'].includes(body['stopped_by']), body['stopped_by']);
}

/**
 * `examples/stdin-file.c` with and without stdin: a run's stdin is a regular file that can be read again after a
 * rewind, `/dev/null` without one, and the file at /run/c-runner/stdin can be neither written nor replaced.
 */
export async function assertStdinFile(t: ExecutionContext, server: RunningServer) {
	const code = example('stdin-file.c');
	const given = await execute(server, {code, stdin: 'the input\n'});
	t.like(given.body, {status: 'ok', output: 'stdin: regular 10 bytes\nthe input\n|\nrewind: ok\nthe input\n|\nwrite: refused\nunlink: refused\n'}, given.body['error']);
	const none = await execute(server, {code});
	t.like(none.body, {status: 'ok', output: 'stdin: not a regular file\nwrite: refused\nunlink: refused\n'}, none.body['error']);
}

export interface Ran {
	readonly pid: number;
	readonly status: number | null;
	readonly signal: NodeJS.Signals | null;
	readonly stdout: string;
	readonly stderr: string;
}

/**
 * A command run to its end by execa, as spawnSync runs it (SIGTERM at `timeout`), without holding the test worker's event
 * loop: a server's whole start-up takes seconds on a loaded machine, and the file's other tests, which poll for a
 * program running or a log line meanwhile, would see nothing of what began and ended in those seconds.
 */
export async function run(file: string, args: readonly string[], options: {readonly env: NodeJS.ProcessEnv; readonly timeout: number}): Promise<Ran> {
	const subprocess = execa(file, args, {env: options.env, extendEnv: false, stdin: 'ignore', reject: false, timeout: options.timeout, stripFinalNewline: false});
	const result = await subprocess;
	return {pid: subprocess.pid!, status: result.exitCode ?? null, signal: (result.signal ?? null) as NodeJS.Signals | null, stdout: result.stdout, stderr: result.stderr};
}
