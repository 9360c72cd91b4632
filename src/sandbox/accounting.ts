import type {CgroupBackend} from './cgroup.ts';
import type {SandboxPolicy} from './profiles.ts';

/** How often the helper samples a job's CPU time (SAMPLE_MS in sandbox/c-runner-sandbox.c). */
export const sampleMs = 5;

export interface AccountingChoice {
	readonly cgroups: CgroupBackend | null;
	/** Why there are no job cgroups, when there are none. */
	readonly reason: string | null;
}

/**
 * What each limit and figure covers under the accounting backend in use, and which guarantees hold: for /health,
 * and the words API.md repeats. One place, so the two backends are described side by side.
 */
export function describeAccounting(choice: AccountingChoice, policy: SandboxPolicy) {
	// Measured: the helper uses about 2.5 % of one core while it samples (pid probe, clocks, counters).
	const helperUntouchable = 'the program cannot lower the helper\'s limits or its scheduling (prlimit64, sched_setscheduler, sched_setaffinity, setpriority and ioprio_set on pid 1, its process group or its uid are refused by the syscall filter), and the signals it sends pid 1 are dropped';
	const cpuBackstop = 'RLIMIT_CPU per process as a backstop (the limit rounded up to whole seconds, plus one)';
	const vmSampled = policy.proc === 'private'
		? 'the largest data and stacks a process mapped (VmData + VmStk: not PROT_NONE reservations), sampled'
		: 'no address-space samples (no /proc in the sandbox): RLIMIT_AS alone';
	if (choice.cgroups !== null) {
		const memory = choice.cgroups.memsw ? 'memory.limit_in_bytes and memory.memsw.limit_in_bytes (swap included)' : 'memory.limit_in_bytes';
		return {
			backend: choice.cgroups.name,
			cgroups: Object.values(choice.cgroups.dirs),
			cpu_limit: `over the whole job: the job cgroup's cpuacct.usage (every process and thread, whoever reaps it), read by the helper every ${sampleMs} ms through a descriptor opened before the program starts and never held by it, counted from the helper's start and less its own CPU and its pid probes'; the job is stopped within one sample of the limit (more on a loaded host); ${cpuBackstop}`,
			cpu_limit_precision_ms: sampleMs,
			memory_limit: `over the whole job: ${memory} of the job cgroup, charged for everything the job makes resident (heap, stacks, page tables and other kernel memory, files in its tmpfs mounts, SysV shared memory, memfds). The cgroup's OOM killer is off (it could pick bwrap or the helper): when a process of the job waits for memory at the limit, the helper ends the job. Also RLIMIT_AS per process at twice the limit + 16 MiB: an allocation needed at once and not yet used (a growing array copied into one twice its size) succeeds and is judged by the cgroup when used, and a single allocation larger than that fails cleanly`,
			process_limit: 'pids.max of the job cgroup (the limit plus 3: bwrap, the helper and its pid probe), and RLIMIT_NPROC inside the sandbox',
			cpu_ms_counts: 'the job cgroup\'s cpuacct.usage from the program\'s start, less the helper\'s own CPU and its pid probes\': all CPU of all the job\'s processes and threads (the whole count, bwrap\'s set-up included, when the helper wrote no report)',
			memory_kb_counts: `the job cgroup's peak charge (${choice.cgroups.memsw ? 'memory.memsw' : 'memory'}.max_usage_in_bytes): all the job held resident at its peak, at once, over all its processes, tmpfs files and shared memory included, bwrap's and the helper's few hundred KiB too, and the page cache of files the job is the first to read (a large file of /usr the host has not cached: its pages are charged to the job until reclaimed); the kernel may pass the limit by a few pages for charges that cannot fail`,
			host_memory_worst_case_per_job: 'twice memory_limit_mb: everything the job can make resident is charged to its cgroup and capped there, and its TCP socket buffers, which cgroup v1 counts apart (memory.kmem.tcp), are capped at memory_limit_mb too; memory_kb does not include them',
			guarantees: [
				'CPU, memory and processes are limited and measured over the whole job, whatever it forks, shares or ignores',
				'the program cannot raise a limit',
				helperUntouchable,
				'a ptrace stop is never taken for an exit',
			],
			not_guaranteed: [],
		};
	}

	return {
		backend: 'helper',
		reason: choice.reason,
		cpu_limit: `over the processes the helper sees: the sum of every job process's CPU clock (found by pid through a probe, no /proc and no descriptor needed, so a lowered RLIMIT_NOFILE cannot blind it), sampled every ${sampleMs} ms; the job is stopped within one sample of the limit, as far as the samples count it (see not_guaranteed); ${cpuBackstop}`,
		cpu_limit_precision_ms: sampleMs,
		memory_limit: `per process only: RLIMIT_AS at the limit + 16 MiB, and a failed run whose peak RSS or address space reached the limit (${vmSampled}) is judged memory_limit`,
		process_limit: 'RLIMIT_NPROC inside the sandbox',
		cpu_ms_counts: `the larger of: the sum of the CPU clocks of every process seen by a sample, at its last sample; and the CPU of every process the helper reaped, with what they reaped (RUSAGE_CHILDREN)`,
		memory_kb_counts: 'the peak resident set of the largest single process the helper reaped (ru_maxrss): not the job\'s total',
		host_memory_worst_case_per_job: 'not bounded by a total: each of processes_limit processes may hold memory_limit_mb + 16 MiB of address space, plus the tmpfs mounts (disk_mb each for /tmp and the job directory, and the kernel memory of their files\' inodes, about 1 KiB each, which disk_mb does not bound), plus SysV shared memory segments, which outlive the process that made them and count towards no rlimit, plus TCP socket buffers (unread loopback connections)',
		guarantees: [
			'a single process cannot use more than its RLIMIT_AS, RLIMIT_CPU and RLIMIT_FSIZE, and cannot raise them',
			'the CPU limit counts every process of the job that lives through at least one sample, including children reaped by the kernel (SIGCHLD ignored)',
			helperUntouchable,
			'a ptrace stop is never taken for an exit',
		],
		not_guaranteed: [
			'memory over the whole job: several processes, shared memory, memfds and tmpfs files together can exceed memory_limit_mb, and memory_kb does not show it',
			'an allocation that would take a process\'s address space past the limit + 16 MiB is refused even while the process holds less than the limit (a growing array copied into one twice its size: from 16 to 32 MiB needs 48 MiB at once): the program\'s failure then is its own (runtime_error or signalled, RE in a judge), not memory_limit',
			`CPU of processes that live less than one sample (${sampleMs} ms), and what any process uses after its last sample, does not count towards the CPU limit while the job runs: a job that does its work in such short children runs on to the wall-clock limit (its cpu_ms counts them at the end, through RUSAGE_CHILDREN, when a process of the job reaped them, and is then over the limit: time_limit; when their parent ignores SIGCHLD, not at all); and the CPU is the larger of what the samples saw and what reaped processes reported, so a job that splits its work between short processes its own processes reap and processes the kernel reaps (SIGCHLD ignored) is counted for the larger share only; the wall-clock limit still bounds the job`,
			'memory_kb of a program smaller than the helper is the helper\'s own resident size (its pid probe shares the helper\'s memory); resident memory counts the pages of files a program maps (its stdin, a library), so mapping large files can read as a memory_limit',
			'where the kernel makes pid_max per pid namespace (Linux 6.14 and later) a program may lower its own and wrap its pids around, so that the pid probe fails and a process started below the last pid seen is not found: its CPU is not counted; the wall-clock limit still bounds the job',
		],
	};
}
