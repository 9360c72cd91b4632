import fs from 'node:fs/promises';
import {chownSync, closeSync, constants as fsConstants, mkdirSync, openSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import type {Logger} from 'pino';
import type {SandboxLimits} from '../config.ts';
import {lockOrClose, makeLocked} from '../lock.ts';
import {processStart, unescapeMountPath} from '../proc.ts';
import type {SandboxUser} from './spawn.ts';

/** The cgroup v1 controllers a job needs: its memory, its process count, its CPU time. */
export const jobControllers = ['memory', 'pids', 'cpuacct'] as const;
export type JobController = typeof jobControllers[number];

/**
 * Processes of a job's cgroup beyond the program's own: bwrap, the helper (the sandbox's pid 1) and the helper's
 * momentary pid probe.
 */
export const sandboxProcesses = 3;

/** What a job's cgroup measured, read once its last process has ended. */
export interface CgroupFigures {
	/** cpuacct.usage: user + system CPU of every process and thread of the job, whoever reaped them. */
	readonly cpuMs: number;
	/** memory(.memsw).max_usage_in_bytes: the job's peak charge, see API.md for what it counts. */
	readonly peakKb: number;
	/**
	 * memory.oom_control `oom_kill`: processes the kernel killed at the job's memory limit. 0 while its OOM killer is
	 * disabled (the helper ends the job instead); counted should it be enabled.
	 */
	readonly oomKills: number;
	/** memory.failcnt and memory.memsw.failcnt, the larger: how often a charge hit the limit (reclaim may still have satisfied it). */
	readonly failcnt: number;
}

export interface JobCgroup {
	/** The launcher's arguments before its command: cpuacct.usage, memory.oom_control, then each cgroup.procs to join. */
	readonly launchArgs: readonly string[];
	/** The memory limit now, MiB: the one it was made with, or the last one set. */
	readonly memoryMb: number;
	/** Sets another memory limit: for a cgroup made ahead of its job, before the job's first process starts. */
	setMemoryLimit(memoryMb: number): void;
	read(): Promise<CgroupFigures>;
	remove(): Promise<void>;
}

export interface CgroupBackend {
	readonly name: 'cgroup-v1';
	/** The instance directory of each controller: `<mount>/<server's own cgroup>/c-runner-<pid>-<start>` (instanceName). */
	readonly dirs: Readonly<Record<JobController, string>>;
	readonly memsw: boolean;
	createJob(name: string, user: SandboxUser | null, limits: SandboxLimits): Promise<JobCgroup>;
	/** Removes the instance directories, and any job cgroup still in them (one a clean-up could not remove). */
	close(): Promise<void>;
}

/** controller → the server's cgroup path, from the text of /proc/self/cgroup (v1 lines only). */
export function ownCgroups(text: string): Map<string, string> {
	const own = new Map<string, string>();
	for (const line of text.split('\n')) {
		const match = /^\d+:([^:]+):(.*)$/.exec(line);
		for (const controller of match?.[1]!.split(',') ?? []) {
			own.set(controller, match![2]!);
		}
	}

	return own;
}

/** controller → {mount point, root inside the hierarchy} of each cgroup v1 mount, from /proc/self/mountinfo. */
export function cgroupMounts(mountinfo: string): Map<string, {point: string; root: string}> {
	const mounts = new Map<string, {point: string; root: string}>();
	for (const line of mountinfo.split('\n')) {
		const [mount, fs] = line.split(' - ');
		const fields = mount?.split(' ') ?? [];
		const [fsType, , superOptions] = fs?.split(' ') ?? [];
		if (fsType !== 'cgroup' || fields.length < 5 || superOptions === undefined) {
			continue;
		}

		for (const option of superOptions.split(',').filter(option => option !== 'rw' && option !== 'ro')) {
			mounts.set(option, {point: unescapeMountPath(fields[4]!), root: unescapeMountPath(fields[3]!)});
		}
	}

	return mounts;
}

/**
 * The name of an instance's cgroups, `c-runner-<pid>-<start>`: its pid and when its process started, in clock ticks
 * since boot. Unique among the instances of one pid namespace; whether the instance still runs is told by the lock it
 * holds on its directories (lockedInstanceDir), not by the name.
 */
export const instanceName = (pid: number, start = processStart(pid)) => `c-runner-${pid}-${start ?? 'unknown'}`;

/** `<mount>/<own path>/<name>` (instanceName) for each job controller, or why there is none. */
export function instanceDirs(cgroupText: string, mountinfo: string, name: string): Record<JobController, string> | string {
	const own = ownCgroups(cgroupText);
	const mounts = cgroupMounts(mountinfo);
	const dirs: Partial<Record<JobController, string>> = {};
	for (const controller of jobControllers) {
		const mount = mounts.get(controller);
		const ownPath = own.get(controller);
		if (mount === undefined || ownPath === undefined) {
			return `no cgroup v1 ${controller} controller here`;
		}

		const relative = mount.root === '/' ? ownPath : path.relative(mount.root, ownPath);
		if (relative.startsWith('..')) {
			return `the server's ${controller} cgroup ${ownPath} is outside the mounted hierarchy`;
		}

		dirs[controller] = path.join(mount.point, relative, name);
	}

	return dirs as Record<JobController, string>;
}

const mib = 1024 * 1024;
/** An instance's cgroup name: its pid and start (a name of a server before starts were in it: the pid alone). */
const instancePattern = /^c-runner-(\d+)(?:-(\d+))?$/;

// A job's own cgroup files are read and written synchronously (its directories are made and removed through the
// thread pool: see createJob and removeCgroup): cgroupfs is in kernel memory and answers in microseconds, while each
// asynchronous call waits its turn in libuv's thread pool (some 0.1 ms, more when busy), and a job's cgroups take a
// dozen of them before it starts and after it ends.
const readNumber = async (file: string) => Number(readFileSync(file, 'utf8').trim());

/** A failure that is ENOENT gives `value`; any other is thrown on. */
const ifGone = <T>(value: T) => (error: unknown): T => {
	if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
		return value;
	}

	throw error;
};

/**
 * Whether the instance of a cgroup may still be running. `c-runner-<pid>-<start>`: while its directory's flock is held
 * (the instance holds it from its start to its end, and the kernel releases it when the instance ends, however it
 * ends): the same answer in every pid namespace. A pid and start were compared before, and a server in another pid
 * namespace sharing the parent cgroup (a container's, `unshare --pid`) has pids this one cannot see or sees as other
 * processes: its running jobs' cgroups were removed and their processes killed. `held`: the directory's descriptor, on
 * which this sweep now holds the lock when the answer is no (closed by the caller).
 * `c-runner-<pid>` (a server from before names had a start, which held no lock): while the pid is alive.
 */
async function mayBeRunning(instance: string, pid: number, start: string | undefined): Promise<{running: boolean; held?: number}> {
	if (start === undefined) {
		return {running: processStart(pid) !== null};
	}

	const fd = openDir(instance);
	// Gone meanwhile (its instance ended and removed it): nothing to sweep.
	if (fd === null || !await lockOrClose(fd)) {
		return {running: true};
	}

	return {running: false, held: fd};
}

/** A directory opened for its lock; null when it is not there. */
function openDir(dir: string): number | null {
	try {
		return openSync(dir, fsConstants.O_RDONLY | fsConstants.O_DIRECTORY | fsConstants.O_NOFOLLOW);
	} catch (error) {
		return ifGone(null)(error);
	}
}

/**
 * Makes the instance directory and takes its lock, held through the descriptor returned until the instance ends
 * (makeLocked: made again if another instance's sweep took it first).
 */
async function lockedInstanceDir(dir: string): Promise<number> {
	const {fd} = await makeLocked(dir, () => {
		try {
			mkdirSync(dir, {mode: 0o755});
		} catch (error) {
			// Still there: a sweep holding its lock is removing it.
			if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
				throw error;
			}
		}

		// Null: the sweep removed it between the two.
		const opened = openDir(dir);
		return opened === null ? null : {path: dir, fd: opened};
	});
	return fd;
}

/** Kills what is still in a job cgroup (a job's own processes, never another's), then removes it. */
async function removeCgroup(dir: string): Promise<void> {
	for (let attempt = 0; ; attempt++) {
		try {
			// Through the thread pool: removing a cgroup takes the kernel's cgroup_mutex, as making one does (createJob).
			await fs.rmdir(dir);
			return;
		} catch (error) {
			const code = (error as NodeJS.ErrnoException).code;
			if (code === 'ENOENT') {
				return;
			}

			if (code !== 'EBUSY' || attempt >= 100) {
				throw error;
			}
		}

		// A job's processes are dying with its sandbox; any still listed are killed (a pid listed here is the job's).
		for (const pid of (await fs.readFile(path.join(dir, 'cgroup.procs'), 'utf8').catch(() => '')).split('\n').filter(Boolean)) {
			try {
				process.kill(Number(pid), 'SIGKILL');
			} catch {}
		}

		await new Promise(resolve => setTimeout(resolve, 20));
	}
}

/** Job cgroups left by a dead instance of the server (mayBeRunning: it holds no lock), and its instance directories. */
/** Removes the job cgroups left in an instance directory (each with whatever still runs in it); how many. */
async function removeJobCgroups(instance: string): Promise<number> {
	let removed = 0;
	for (const job of await fs.readdir(instance, {withFileTypes: true}).catch(ifGone([]))) {
		if (job.isDirectory()) {
			await removeCgroup(path.join(instance, job.name));
			removed++;
		}
	}

	return removed;
}

async function sweepStale(parent: string, ownName: string, logger: Logger): Promise<number> {
	let swept = 0;
	for (const entry of await fs.readdir(parent, {withFileTypes: true})) {
		const [, owner, start] = instancePattern.exec(entry.name) ?? [];
		const instance = path.join(parent, entry.name);
		if (!entry.isDirectory() || owner === undefined || entry.name === ownName) {
			continue;
		}

		const {running, held} = await mayBeRunning(instance, Number(owner), start);
		if (running) {
			continue;
		}

		try {
			// An instance ends by removing its directories, then letting their lock go: a directory opened before its
			// removal and locked after it is gone already (ENOENT).
			swept += await removeJobCgroups(instance);
			await removeCgroup(instance);
			logger.info({cgroup: instance}, 'removed the cgroups of a dead c-runner instance');
		} catch (error) {
			// One that cannot go stays for a later start; this instance's own cgroups are not in question.
			logger.warn({cgroup: instance, err: error}, 'could not remove the cgroups of a dead c-runner instance');
		} finally {
			if (held !== undefined) {
				closeSync(held);
			}
		}
	}

	return swept;
}

/**
 * The cgroup v1 backend, when the server is root on a host with the memory, pids and cpuacct controllers; else the
 * reason why not (the helper's sampling and rlimits are then all there is).
 */
export async function openCgroupBackend(logger: Logger): Promise<CgroupBackend | string> {
	if (process.getuid?.() !== 0) {
		return 'the server is not root: no cgroup can be made for a job';
	}

	const found = instanceDirs(readFileSync('/proc/self/cgroup', 'utf8'), readFileSync('/proc/self/mountinfo', 'utf8'), instanceName(process.pid));
	if (typeof found === 'string') {
		return found;
	}

	const dirs = found;
	// Each instance directory with its lock's descriptor, held until close().
	const made: Array<{dir: string; fd: number}> = [];
	try {
		for (const dir of Object.values(dirs)) {
			await sweepStale(path.dirname(dir), path.basename(dir), logger);
			made.push({dir, fd: await lockedInstanceDir(dir)});
		}
	} catch (error) {
		for (const {dir, fd} of made) {
			await fs.rmdir(dir).catch(() => undefined);
			closeSync(fd);
		}

		return `cgroups cannot be made here: ${(error as Error).message}`;
	}

	const memsw = await fs.access(path.join(dirs.memory, 'memory.memsw.limit_in_bytes')).then(() => true, () => false);
	const memoryFile = (name: string) => (memsw ? `memory.memsw.${name}` : `memory.${name}`);
	// TCP socket buffers are counted apart in v1, and only once a limit is set: without one, a job's unread loopback
	// connections held 885 MiB of the host's memory, uncharged.
	const tcp = await fs.access(path.join(dirs.memory, 'memory.kmem.tcp.limit_in_bytes')).then(() => true, () => false);

	return {
		name: 'cgroup-v1',
		dirs,
		memsw,
		async createJob(name, user, limits) {
			const jobDirs = Object.fromEntries(jobControllers.map(controller => [controller, path.join(dirs[controller], name)])) as Record<JobController, string>;
			const made: string[] = [];
			let memoryMb = Number.POSITIVE_INFINITY;
			// Everything the job makes resident is charged here: heap, stack, page tables, tmpfs and shared memory,
			// memfds; with memsw, swap too, so the limit cannot be escaped into swap. memsw may never be below the
			// plain limit: raised first, lowered last.
			const setMemoryLimit = (mb: number) => {
				const bytes = String(mb * mib);
				const files = ['memory.limit_in_bytes', ...(memsw ? ['memory.memsw.limit_in_bytes'] : [])];
				for (const file of mb > memoryMb ? files.reverse() : files) {
					writeFileSync(path.join(jobDirs.memory, file), bytes);
				}

				if (tcp) {
					writeFileSync(path.join(jobDirs.memory, 'memory.kmem.tcp.limit_in_bytes'), bytes);
				}

				memoryMb = mb;
			};

			const remove = async () => {
				for (const dir of made.reverse()) {
					await removeCgroup(dir);
				}

				made.length = 0;
			};

			try {
				// The one call here that can wait: making a cgroup takes the kernel's cgroup_mutex, which a process
				// joining a cgroup (a launcher, made ahead or not) holds while the kernel waits for an RCU grace period —
				// a memory cgroup's mkdir took up to 22 ms in the server, and 35 ms (29 in 300 over 1 ms) beside a
				// process joining a cgroup every 30 ms. Through the thread pool, all three at once, the server's event
				// loop does not wait with it.
				const making = await Promise.allSettled(Object.values(jobDirs).map(async dir => {
					await fs.mkdir(dir, {mode: 0o755});
					made.push(dir);
				}));
				const failed = making.find(outcome => outcome.status === 'rejected');
				if (failed !== undefined) {
					throw failed.reason;
				}

				setMemoryLimit(limits.memoryMb);

				// No OOM killer in the job: it could pick bwrap or the helper. A process at the limit waits; the helper
				// sees `under_oom` and ends the job, reporting memory_exceeded.
				writeFileSync(path.join(jobDirs.memory, 'memory.oom_control'), '1');
				writeFileSync(path.join(jobDirs.pids, 'pids.max'), String(limits.processes + sandboxProcesses));
				// The launcher runs as the job's uid and joins by writing its own pid: only these files become its.
				if (user !== null) {
					for (const dir of Object.values(jobDirs)) {
						chownSync(path.join(dir, 'cgroup.procs'), user.uid, user.gid);
					}
				}
			} catch (error) {
				// Its own failure (a cgroup kept for the instance's removal at exit) never hides the one that led to it.
				await remove().catch(() => {});
				throw error;
			}

			return {
				launchArgs: [path.join(jobDirs.cpuacct, 'cpuacct.usage'), path.join(jobDirs.memory, 'memory.oom_control'), ...Object.values(jobDirs).map(dir => path.join(dir, 'cgroup.procs'))],
				get memoryMb() {
					return memoryMb;
				},
				setMemoryLimit,
				async read() {
					const oomControl = readFileSync(path.join(jobDirs.memory, 'memory.oom_control'), 'utf8');
					return {
						cpuMs: Math.floor(await readNumber(path.join(jobDirs.cpuacct, 'cpuacct.usage')) / 1e6),
						peakKb: Math.ceil(await readNumber(path.join(jobDirs.memory, memoryFile('max_usage_in_bytes'))) / 1024),
						oomKills: Number(/^oom_kill (\d+)$/m.exec(oomControl)?.[1] ?? 0),
						failcnt: Math.max(await readNumber(path.join(jobDirs.memory, 'memory.failcnt')), await readNumber(path.join(jobDirs.memory, memoryFile('failcnt')))),
					};
				},
				remove,
			};
		},
		async close() {
			// Every controller's directory is tried, whatever another's did; the first failure is the one told.
			const failures: unknown[] = [];
			for (const {dir, fd} of made.splice(0)) {
				try {
					// A job cgroup a clean-up could not remove (still busy then) goes first: v1 keeps a cgroup with a child.
					await removeJobCgroups(dir);
					await removeCgroup(dir);
				} catch (error) {
					failures.push(error);
				} finally {
					// The lock goes last: while it is held, no other instance's sweep takes the directory for a dead one's.
					closeSync(fd);
				}
			}

			if (failures.length > 0) {
				throw failures[0];
			}
		},
	};
}
