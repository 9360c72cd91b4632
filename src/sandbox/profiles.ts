import type {Config, SandboxLimits} from '../config.ts';
import type {HostLayout} from './host-layout.ts';

/**
 * What the host (or the container around the server) lets bubblewrap do. The strongest policy needs all three; a
 * container runtime may refuse some, and the server then runs with the strongest subset that works (see
 * `policyLadder`), or not at all.
 */
export interface SandboxPolicy {
	/**
	 * `private`: a procfs of the sandbox's own pid namespace. `none`: no /proc at all, for a container that masks
	 * /proc so that bwrap cannot mount one; never the container's own /proc.
	 */
	readonly proc: 'private' | 'none';
	/** `--disable-userns`; bwrap needs a writable /proc/sys for it, which a masked /proc is not. */
	readonly noNestedUserns: boolean;
	/** `--hostname c-runner`; some seccomp profiles refuse sethostname. */
	readonly hostname: boolean;
}

export const strongestPolicy: SandboxPolicy = {proc: 'private', noNestedUserns: true, hostname: true};

/**
 * Policies from the strongest down, for the start-up self-test to try in turn. A private /proc matters most (the
 * helper samples address spaces there), then no nested user namespaces (less kernel surface),
 * then the hostname (cosmetic: the UTS namespace is private either way).
 */
export function policyLadder(proc: 'auto' | SandboxPolicy['proc']): SandboxPolicy[] {
	const ladder: SandboxPolicy[] = [];
	for (const procChoice of proc === 'auto' ? ['private', 'none'] as const : [proc]) {
		for (const noNestedUserns of [true, false]) {
			for (const hostname of [true, false]) {
				ladder.push({proc: procChoice, noNestedUserns, hostname});
			}
		}
	}

	return ladder;
}

/**
 * The CPU time at which a policy's sandbox stops a program whose limit is `cpuMs`: the limit itself under every
 * policy. The helper samples the job's CPU time every 5 ms — from the job cgroup, or from each process's own CPU
 * clock, which needs no /proc — and stops it there; RLIMIT_CPU, a second above, is only the backstop. The verdict is
 * judged by the measured `cpu_ms` all the same.
 */
export function enforcedCpuMs(_policy: SandboxPolicy, cpuMs: number): number {
	return cpuMs;
}

/** Why a sandbox has no /proc: the configuration said so, or a private one failed on this host. */
export const noProcReason = (sandboxProc: Config['sandboxProc']) =>
	sandboxProc === 'none' ? 'turned off by C_RUNNER_SANDBOX_PROC=none' : 'a private one cannot be mounted here';

/** How a policy falls short of the strongest, in words; empty for the strongest. */
export function policyWeakenings(policy: SandboxPolicy, sandboxProc: Config['sandboxProc'] = 'auto'): string[] {
	return [
		...(policy.proc === 'private' ? [] : [`no /proc in the sandbox (${noProcReason(sandboxProc)}); address spaces are not sampled, so a failed run's memory verdict rests on RLIMIT_AS and peak RSS`]),
		...(policy.noNestedUserns ? [] : ['nested user namespaces allowed (--disable-userns does not work here)']),
		...(policy.hostname ? [] : ['hostname not set (sethostname refused here); the UTS namespace is still private']),
	];
}
export interface SandboxProfile {
	readonly name: 'compile' | 'run';
	readonly policy: SandboxPolicy;
	/** Host paths bound read-only at the same place. Everything else of the host is absent. */
	readonly readOnly: readonly string[];
	/** Directories within those, hidden behind an empty read-only tmpfs. */
	readonly hidden: readonly string[];
	readonly links: HostLayout['links'];
	/**
	 * `bind`: the host job directory itself, writable (gcc writes the binary there).
	 * `tmpfs`: a private, size-capped tmpfs at the job directory's path, into which job files are bound read-only,
	 * so nothing the program writes reaches the host disk.
	 */
	readonly jobDir: 'bind' | 'tmpfs';
	/** Address-space head-room above the memory limit, so the limit itself can be judged on peak RSS. */
	readonly addressSpaceSlackMb: number;
	/**
	 * With a job cgroup, which bounds what the job makes resident, the address space is this many times the limit
	 * (plus the head-room): an allocation the program needs at once but has not used yet succeeds, and is judged by
	 * the cgroup when it is used. A growing array that is copied into one twice its size needs 1.5 times its new size
	 * at once (a C++ `std::vector` growing from 32 to 64 MiB: 96 MiB), which the limit alone would refuse while the
	 * program holds half the limit: a failure of its own, not the memory limit it was about to reach.
	 */
	readonly cgroupAddressSpaceMultiple: number;
	readonly lang: string;
	readonly limits: SandboxLimits;
}

const libraryDirs = new Set(['/lib', '/lib64']);

/** gcc needs its driver, cc1, as, ld, headers and libraries: all of /usr, read-only. */
export function compileProfile(layout: HostLayout, limits: SandboxLimits, policy = strongestPolicy): SandboxProfile {
	return {
		name: 'compile',
		policy,
		readOnly: ['/usr', ...layout.dirs],
		// The machine's own software and files, not the distribution's: gcc needs none of it, and what the compile can
		// read a source can build into its program (`.incbin`), which prints it at run time.
		hidden: layout.usrLocal ? ['/usr/local'] : [],
		links: layout.links,
		jobDir: 'bind',
		addressSpaceSlackMb: 0,
		// gcc's failures at its limit are its own diagnostics: no more than the limit.
		cgroupAddressSpaceMultiple: 1,
		// LANG=C keeps gcc's diagnostics in plain ASCII quotes.
		lang: 'C',
		limits,
	};
}

/** A compiled program needs the dynamic loader, libc and libm: /usr/lib (and /usr/lib64), nothing else. */
export function runProfile(layout: HostLayout, limits: SandboxLimits, policy = strongestPolicy): SandboxProfile {
	const isLibrary = (entry: string) => libraryDirs.has(entry);
	return {
		name: 'run',
		policy,
		readOnly: ['/usr/lib', ...(layout.usrLib64 ? ['/usr/lib64'] : []), ...layout.dirs.filter(isLibrary)],
		hidden: [],
		links: layout.links.filter(link => isLibrary(link.path)),
		jobDir: 'tmpfs',
		addressSpaceSlackMb: 16,
		cgroupAddressSpaceMultiple: 2,
		lang: 'C.UTF-8',
		limits,
	};
}
