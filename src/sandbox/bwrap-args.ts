import path from 'node:path';
import type {SandboxProfile} from './profiles.ts';

/** Where the helper binary appears inside every sandbox. */
export const helperInSandbox = '/run/c-runner/sandbox';
/**
 * Where a run's stdin file appears inside its sandbox, read-only: the helper opens it there as the program's stdin.
 * Every run but an interactive one has it (empty when the run has no stdin), so a run sandbox made ahead of its job
 * — into whose file the job writes its stdin later — looks exactly like one made for the job.
 */
export const stdinInSandbox = '/run/c-runner/stdin';
/** The descriptor the helper writes its report to; the program never has it open. */
export const reportFd = 3;
/** The descriptor bwrap writes `{"child-pid": N}` to: the helper's host pid, so the server can stop the sandbox. */
export const infoFd = 4;
/** The descriptors of the job cgroup's cpuacct.usage and memory.oom_control, opened by the launcher. */
export const cpuUsageFd = 5;
export const oomControlFd = 6;
/**
 * A command to come, as NUL-ended strings: the launcher's (bwrap's command), or — for a sandbox made ahead of its
 * job — the sandbox helper's (the step's limits, its stdin, the job's command).
 */
export const commandFd = 7;
export const sandboxPath = '/usr/bin:/bin';

export interface SandboxJob {
	/** Absolute job directory; the same path inside the sandbox as on the host. */
	readonly dir: string;
	/** Host files bound read-only into a `tmpfs` job directory, under their base names. */
	readonly files: readonly string[];
	/** A host file bound read-only at `stdinInSandbox`: the run's stdin file. */
	readonly stdinFile?: string;
	/** The command gets `stdinFile` as its stdin (else /dev/null). */
	readonly openStdin?: boolean;
	/** The command run under the helper; argv[0] is an absolute path inside the sandbox. */
	readonly argv: readonly string[];
	readonly helperPath: string;
	/**
	 * The job runs in its own cgroup: the helper enforces the CPU limit on its cpuacct.usage (`cpuUsageFd`) and ends
	 * the job when it waits for memory at the cgroup's limit (`oomControlFd`).
	 */
	readonly cgroup?: boolean;
	/** A sandbox made ahead of its job: the helper waits for its command (`helperCommand`) on `commandFd`. */
	readonly commandLater?: boolean;
}

const mib = 1024 * 1024;

/** A process's address-space limit (RLIMIT_AS), MiB: the memory limit and head-room, more under a job cgroup. */
export const addressSpaceMb = (profile: SandboxProfile, cgroup: boolean) =>
	(profile.limits.memoryMb * (cgroup ? profile.cgroupAddressSpaceMultiple : 1)) + profile.addressSpaceSlackMb;

/** The environment a sandboxed process sees: nothing of the server's. */
export function sandboxEnv(profile: SandboxProfile, job: SandboxJob): Record<string, string> {
	return {PATH: sandboxPath, HOME: job.dir, LANG: profile.lang, TMPDIR: '/tmp'};
}

/** The helper's own argv: its descriptors, then the command — or, for a sandbox made ahead, where it comes on. */
export function helperArgs(profile: SandboxProfile, job: SandboxJob): string[] {
	return [
		helperInSandbox,
		'--report-fd', String(reportFd),
		...(job.cgroup ? ['--cpu-usage-fd', String(cpuUsageFd), '--oom-control-fd', String(oomControlFd)] : []),
		...(job.commandLater ? ['--command-fd', String(commandFd), '--'] : helperCommand(profile, job)),
	];
}

/**
 * The step's own part of the helper's command: the limits it sets inside the sandbox, the stdin file it opens, then
 * the command. On the helper's argv, or sent on `commandFd` to a sandbox made ahead of its job.
 */
export function helperCommand(profile: SandboxProfile, job: Pick<SandboxJob, 'argv' | 'openStdin' | 'cgroup'>): string[] {
	const {limits} = profile;
	return [
		'--wall-ms', String(limits.wallMs),
		'--cpu-ms', String(limits.cpuMs),
		'--as-bytes', String(addressSpaceMb(profile, job.cgroup === true) * mib),
		'--stack-bytes', String(limits.stackMb * mib),
		// Set inside the user namespace, the count is per sandbox: one job's fork bomb cannot starve another's.
		'--nproc', String(limits.processes),
		'--fsize-bytes', String(limits.fileSizeMb * mib),
		'--nofile', String(limits.openFiles),
		...(job.openStdin ? ['--stdin-file', stdinInSandbox] : []),
		'--',
		...job.argv,
	];
}

/**
 * The whole bubblewrap policy for one sandboxed step, as data. Pure: no I/O, so tests compare it exactly.
 * Deny by default: a new empty root, only the listed paths, read-only.
 */
export function bwrapArgs(profile: SandboxProfile, job: SandboxJob): string[] {
	const {diskMb} = profile.limits;
	const {policy} = profile;
	const args: string[] = [
		// Namespaces: the program sees its own users, processes, IPC, hostname, cgroups and an empty network.
		'--unshare-user', // one mapped uid, no host privileges
		'--unshare-pid', // cannot see or signal host processes; helper is pid 1, so all dies with it
		'--unshare-ipc', // no SysV IPC or POSIX message queues shared with the host
		'--unshare-net', // no network: only the namespace's own loopback interface (bwrap brings it up), no route out
		'--unshare-uts', // own hostname
		'--unshare-cgroup', // host cgroup paths hidden
		...(policy.noNestedUserns ? ['--disable-userns'] : []), // no nested user namespaces: less kernel surface
		// Process lifetime and privileges.
		'--die-with-parent', // if the server dies, the sandbox dies (PR_SET_PDEATHSIG)
		'--new-session', // setsid: no TIOCSTI injection into a terminal (CVE-2017-5226)
		'--as-pid-1', // the helper is pid 1: unkillable from inside, its exit tears down the namespace
		'--cap-drop', 'ALL', // no capabilities, not even inside the user namespace
		...(policy.hostname ? ['--hostname', 'c-runner'] : []), // the server's hostname is not the program's business
		// The helper's host pid: stopping a sandbox means killing its pid 1, so bwrap reaps it and no zombie is
		// orphaned (killing bwrap first would leave the helper to the host's init).
		'--info-fd', String(infoFd),
	];

	// The filesystem: read-only host paths, then private writable tmpfs mounts.
	for (const hostPath of profile.readOnly) {
		args.push('--ro-bind', hostPath, hostPath);
	}

	for (const hostPath of profile.hidden) {
		// an empty directory in its place, read-only: a page of tmpfs that nothing can write
		args.push('--size', '4096', '--tmpfs', hostPath, '--remount-ro', hostPath);
	}

	for (const link of profile.links) {
		args.push('--symlink', link.target, link.path);
	}

	if (policy.proc === 'private') {
		args.push('--proc', '/proc'); // a procfs of the sandbox's own pid namespace
	} // else no /proc at all: where /proc is masked (a container), never bind the container's own

	args.push(
		'--dev', '/dev', // null, zero, full, random, urandom, tty: no host devices
		'--remount-ro', '/dev', // bwrap's /dev is an unsized tmpfs (with /dev/shm): writable, it would bypass the disk cap
		'--size', String(diskMb * mib), '--tmpfs', '/tmp', // private /tmp: other jobs' directories do not exist here
	);

	if (profile.jobDir === 'bind') {
		args.push('--bind', job.dir, job.dir);
	} else {
		args.push('--size', String(diskMb * mib), '--tmpfs', job.dir);
		for (const file of job.files) {
			args.push('--ro-bind', file, path.join(job.dir, path.basename(file)));
		}
	}

	args.push('--ro-bind', job.helperPath, helperInSandbox);
	if (job.stdinFile !== undefined) {
		args.push('--ro-bind', job.stdinFile, stdinInSandbox); // the run's stdin, for the helper to open
	}

	args.push(
		'--remount-ro', '/', // the root itself is read-only: writes go only to /tmp and the job directory
		'--chdir', job.dir,
		'--clearenv', // nothing of the server's environment
	);

	for (const [name, value] of Object.entries(sandboxEnv(profile, job))) {
		args.push('--setenv', name, value);
	}

	args.push('--', ...helperArgs(profile, job));
	return args;
}
