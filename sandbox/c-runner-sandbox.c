/*
 * c-runner-sandbox: runs one command inside bubblewrap as the sandbox's pid 1.
 * Sets rlimits, gives the command a fresh session keyring and a syscall filter, enforces a wall-clock limit, kills
 * every process of the sandbox when the command ends, and writes a report on a descriptor the command never has.
 * See README.md beside this file.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/filter.h>
#include <linux/ioprio.h>
#include <linux/keyctl.h>
#include <linux/netlink.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "command.h"

#define EXIT_INTERNAL 125
/* How often the job's CPU time and address space are sampled while it runs. */
#define SAMPLE_MS 5
/* Processes the sampler follows at once; more than the process limit allows. */
#define TRACKED_MAX 4096
/* New pids probed per sample at most: fork costs tens of microseconds, so a job makes far fewer in 5 ms. */
#define PROBE_MAX 4096

struct limit {
	const char *option;
	const char *name;
	int resource;
	long long value; /* -1: leave untouched */
};

static struct limit limits[] = {
	{"--cpu-ms", "RLIMIT_CPU", RLIMIT_CPU, -1},
	{"--as-bytes", "RLIMIT_AS", RLIMIT_AS, -1},
	{"--stack-bytes", "RLIMIT_STACK", RLIMIT_STACK, -1},
	{"--nproc", "RLIMIT_NPROC", RLIMIT_NPROC, -1},
	{"--fsize-bytes", "RLIMIT_FSIZE", RLIMIT_FSIZE, -1},
	{"--nofile", "RLIMIT_NOFILE", RLIMIT_NOFILE, -1},
};
#define LIMIT_COUNT (sizeof(limits) / sizeof(limits[0]))

struct options {
	int report_fd;
	/* Descriptors of the job cgroup's cpuacct.usage and memory.oom_control, opened outside the sandbox; -1
	 * without a cgroup. */
	int cpu_usage_fd;
	int oom_control_fd;
	long long wall_ms;
	/* 1: the command runs under the syscall filter. 0 only in the helper's own tests of its wait loop (ptrace
	 * stops need a ptrace the filter refuses); the server never passes it. */
	int syscall_filter;
	/* With --command-fd: the descriptor the command comes on, once the sandbox is made (-1: it is on the command line). */
	int command_fd;
	/* A file inside the sandbox to give the command as its stdin (NULL: keep descriptor 0, /dev/null). */
	const char *stdin_file;
	char **argv;
};

static void die(int code, const char *format, ...)
{
	va_list args;
	fputs("c-runner-sandbox: ", stderr);
	va_start(args, format);
	vfprintf(stderr, format, args);
	va_end(args);
	fputc('\n', stderr);
	_exit(code);
}

static long long parse_number(const char *option, const char *text)
{
	char *end = NULL;
	errno = 0;
	if (text == NULL || *text < '0' || *text > '9')
		die(EXIT_INTERNAL, "%s needs a whole number", option);
	long long value = strtoll(text, &end, 10);
	if (errno != 0 || *end != '\0')
		die(EXIT_INTERNAL, "%s: bad number '%s'", option, text);
	return value;
}

/*
 * Reads options from args[from] up to `--`; returns the index of `--` (count when there is none). `sent`: options
 * that came with a command on the command descriptor, which may only be the run's own: its limits and its stdin,
 * never a descriptor or the syscall filter.
 */
static int parse_option_list(struct options *options, int count, char **args, int from, int sent)
{
	int i = from;
	for (; i < count && strcmp(args[i], "--") != 0; i += 2) {
		const char *option = args[i];
		if (strcmp(option, "--stdin-file") == 0) {
			if (i + 1 >= count || args[i + 1][0] != '/')
				die(EXIT_INTERNAL, "--stdin-file takes an absolute path");
			options->stdin_file = args[i + 1];
			continue;
		}
		long long value = parse_number(option, i + 1 < count ? args[i + 1] : NULL);
		size_t k;
		if (strcmp(option, "--wall-ms") == 0) {
			options->wall_ms = value;
			continue;
		}
		for (k = 0; k < LIMIT_COUNT && strcmp(option, limits[k].option) != 0; k++)
			;
		if (k < LIMIT_COUNT) {
			limits[k].value = value;
			continue;
		}
		if (sent)
			die(EXIT_INTERNAL, "option '%s' cannot come with the command", option);
		if (strcmp(option, "--report-fd") == 0) {
			if (value > INT_MAX)
				die(EXIT_INTERNAL, "--report-fd out of range");
			options->report_fd = (int)value;
			continue;
		}
		int *cgroup_fd = strcmp(option, "--cpu-usage-fd") == 0 ? &options->cpu_usage_fd
			: strcmp(option, "--oom-control-fd") == 0 ? &options->oom_control_fd
			: strcmp(option, "--command-fd") == 0 ? &options->command_fd : NULL;
		if (cgroup_fd != NULL) {
			if (value < 3 || value > INT_MAX)
				die(EXIT_INTERNAL, "%s out of range", option);
			*cgroup_fd = (int)value;
			continue;
		}
		if (strcmp(option, "--syscall-filter") == 0) {
			if (value > 1)
				die(EXIT_INTERNAL, "--syscall-filter is 0 or 1");
			options->syscall_filter = (int)value;
			continue;
		}
		die(EXIT_INTERNAL, "unknown option '%s'", option);
	}
	return i;
}

static struct options parse_options(int argc, char **argv)
{
	struct options options = {.report_fd = -1, .cpu_usage_fd = -1, .oom_control_fd = -1, .wall_ms = -1, .syscall_filter = 1, .command_fd = -1, .stdin_file = NULL, .argv = NULL};
	int i = parse_option_list(&options, argc, argv, 1, 0);
	/* The program follows `--`, or, with --command-fd, comes later: then nothing follows. */
	if (i >= argc || (options.command_fd < 0 ? i + 1 >= argc : i + 1 != argc))
		die(EXIT_INTERNAL, "usage: c-runner-sandbox --report-fd N --wall-ms N [limits] [--stdin-file PATH] -- PROGRAM [ARG...]\n"
		    "       c-runner-sandbox --command-fd N --report-fd N [limits] --   (then [--wall-ms N] [limits] [--stdin-file PATH] -- PROGRAM [ARG...] on N)");
	if (options.report_fd < 3)
		die(EXIT_INTERNAL, "--report-fd must be given, 3 or above");
	if (options.command_fd < 0 && argv[i + 1][0] != '/')
		die(EXIT_INTERNAL, "PROGRAM must be an absolute path");
	options.argv = options.command_fd < 0 ? &argv[i + 1] : NULL;
	return options;
}

/* Runs in the child: one place sets every limit and names the one that failed. */
static void set_limits(void)
{
	struct rlimit no_core = {0, 0};
	if (setrlimit(RLIMIT_CORE, &no_core) != 0)
		die(126, "setrlimit RLIMIT_CORE: %s", strerror(errno));
	for (size_t k = 0; k < LIMIT_COUNT; k++) {
		struct rlimit rl;
		if (limits[k].value < 0)
			continue;
		rl.rlim_cur = rl.rlim_max = (rlim_t)limits[k].value;
		if (limits[k].resource == RLIMIT_CPU) {
			/* A backstop only: the parent stops the job at the exact limit. The kernel counts whole seconds per
			 * process: SIGXCPU a second after the limit rounded up, SIGKILL a second after that. */
			rl.rlim_cur = (rlim_t)((limits[k].value + 999) / 1000 + 1);
			rl.rlim_max = rl.rlim_cur + 1;
		}
		if (setrlimit(limits[k].resource, &rl) != 0)
			die(126, "setrlimit %s: %s", limits[k].name, strerror(errno));
	}
}

/*
 * The syscall filter the command runs under, one row per denied call and condition, each with its reason. The
 * namespaces and the dropped capabilities already refuse most of these; the filter takes the kernel code behind
 * them out of reach as well, and closes what namespaces do not cover (keyrings, vsock, io_uring, perf, ...).
 * Everything not listed is allowed: gcc, its tools and ordinary programs never notice. `--list-filter` prints this
 * table; the server reports it in /health, so there is one list.
 */
enum when {
	ALWAYS,
	ANY_BIT,   /* any bit of `value` set in the argument */
	LOW32_EQ,  /* the argument's low 32 bits equal `value` (the kernel truncates it to 32 bits) */
	NOT_EQ,    /* the argument is anything but `value` */
	NOT_IN,    /* the argument is not one of `extra->allowed`, ascending (a value of 64 or more never is) */
	EQ_AND_NOT_EQ, /* the argument equals `value`, and argument `extra->arg` is anything but `extra->value` */
	LOW32_EQ_AND_LOW32_EQ, /* the low 32 bits of the argument equal `value`, and those of `extra->arg` `extra->value` */
};

#define FAMILY_BOUND 64 /* above every address family the kernel knows (AF_MAX is 46 in Linux 6.x) */

struct deny {
	const char *call;
	int nr;
	int error;
	const char *error_name;
	enum when when;
	unsigned arg;
	unsigned long long value;
	const struct extra *extra; /* NOT_IN and EQ_AND_NOT_EQ only */
	const char *condition; /* the condition in words, for --list-filter; "" for always */
	const char *reason;
};

struct extra {
	const int *allowed; /* NOT_IN: the allowed values, ending in -1 */
	unsigned arg; /* EQ_AND_NOT_EQ: the second argument compared, and the one value it may have */
	unsigned long long value;
};

static const int allowed_families[] = {AF_UNIX, AF_INET, AF_INET6, AF_NETLINK, -1}; /* ascending */
static const struct extra families = {.allowed = allowed_families};
static const struct extra route_only = {.arg = 2, .value = NETLINK_ROUTE};
static const struct extra who_is_helper = {.arg = 1, .value = 1}; /* the helper: pid 1, and its process group, 1 */

#define CALL(name) #name, SCMP_SYS(name)
#define ERR(e) e, #e
#define CLONE_NEW_FLAGS (CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET)

static const struct deny deny_list[] = {
	/* Kernel surface no sandboxed job needs, with a history of privilege escalations. */
	{CALL(io_uring_setup), ERR(EPERM), ALWAYS, 0, 0, NULL, "", "io_uring: a second syscall interface the filter cannot see into, and a long CVE record"},
	{CALL(io_uring_enter), ERR(EPERM), ALWAYS, 0, 0, NULL, "", "io_uring, as above"},
	{CALL(io_uring_register), ERR(EPERM), ALWAYS, 0, 0, NULL, "", "io_uring, as above"},
	{CALL(bpf), ERR(EPERM), ALWAYS, 0, 0, NULL, "", "eBPF programs and maps: verifier bugs are kernel exploits"},
	{CALL(perf_event_open), ERR(EPERM), ALWAYS, 0, 0, NULL, "", "performance counters: side channels and a history of kernel bugs"},
	{CALL(userfaultfd), ERR(EPERM), ALWAYS, 0, 0, NULL, "", "lets a program pause the kernel mid-copy, the usual way to win kernel races"},
	{CALL(modify_ldt), ERR(EPERM), ALWAYS, 0, 0, NULL, "", "16-bit segments: no C program needs them, a source of kernel info leaks"},
	{CALL(uselib), ERR(EPERM), ALWAYS, 0, 0, NULL, "", "obsolete a.out library loader"},
	{CALL(syslog), ERR(EPERM), ALWAYS, 0, 0, NULL, "", "the kernel log belongs to the host"},
	{CALL(iopl), ERR(EPERM), ALWAYS, 0, 0, NULL, "", "hardware I/O ports"},
	{CALL(ioperm), ERR(EPERM), ALWAYS, 0, 0, NULL, "", "hardware I/O ports"},
	{CALL(open_by_handle_at), ERR(EPERM), ALWAYS, 0, 0, NULL, "", "opens files by handle, around the mount tree (the 'shocker' container escape)"},
	{CALL(move_pages), ERR(EPERM), ALWAYS, 0, 0, NULL, "", "moves another process's memory between NUMA nodes"},
	{CALL(migrate_pages), ERR(EPERM), ALWAYS, 0, 0, NULL, "", "the same, for a whole process"},
	{CALL(memfd_secret), ERR(ENOSYS), ALWAYS, 0, 0, NULL, "", "splits the kernel's direct map of the host's memory for good (a host-wide slowdown that outlives the job); ENOSYS, as where secretmem is off"},
	/* Keyrings are not namespaced: one job's keys would be another's. The helper gives each sandbox a new empty
	 * session keyring as well. */
	{CALL(add_key), ERR(EPERM), ALWAYS, 0, 0, NULL, "", "kernel keyrings are shared across sandboxes of one uid"},
	{CALL(keyctl), ERR(EPERM), ALWAYS, 0, 0, NULL, "", "kernel keyrings, as above"},
	{CALL(request_key), ERR(EPERM), ALWAYS, 0, 0, NULL, "", "kernel keyrings, as above"},
	/* Other processes: as pid 1 the helper is non-dumpable; the job's own processes stay out of each other too. */
	{CALL(ptrace), ERR(EPERM), ALWAYS, 0, 0, NULL, "", "debugging other processes: reading and rewriting their memory"},
	{CALL(process_vm_readv), ERR(EPERM), ALWAYS, 0, 0, NULL, "", "reads another process's memory"},
	{CALL(process_vm_writev), ERR(EPERM), ALWAYS, 0, 0, NULL, "", "writes another process's memory"},
	{CALL(pidfd_getfd), ERR(EPERM), ALWAYS, 0, 0, NULL, "", "takes a descriptor out of another process"},
	{CALL(kcmp), ERR(EPERM), ALWAYS, 0, 0, NULL, "", "compares kernel objects of two processes: leaks kernel pointer order"},
	/* The helper is pid 1, of the job's uid: what the kernel lets a process do to another of its uid, the job may do
	 * to its own processes (pid 0 is the caller itself), never to the helper, which enforces its limits. */
	{CALL(prlimit64), ERR(EPERM), LOW32_EQ, 0, 1, NULL, "pid 1", "would lower the helper's own limits (its RLIMIT_CPU: the helper killed; its RLIMIT_NPROC: its pid probe fails)"},
	{CALL(sched_setscheduler), ERR(EPERM), LOW32_EQ, 0, 1, NULL, "pid 1", "SCHED_IDLE on the helper starves it: no limit is enforced until the server's backstop"},
	{CALL(sched_setparam), ERR(EPERM), LOW32_EQ, 0, 1, NULL, "pid 1", "the helper's scheduling, as above"},
	{CALL(sched_setattr), ERR(EPERM), LOW32_EQ, 0, 1, NULL, "pid 1", "the helper's scheduling, as above"},
	{CALL(sched_setaffinity), ERR(EPERM), LOW32_EQ, 0, 1, NULL, "pid 1", "pins the helper to a CPU the job keeps busy"},
	{CALL(setpriority), ERR(EPERM), LOW32_EQ_AND_LOW32_EQ, 0, PRIO_PROCESS, &who_is_helper, "PRIO_PROCESS of pid 1", "a nice value of 19 on the helper, to starve it"},
	{CALL(setpriority), ERR(EPERM), LOW32_EQ_AND_LOW32_EQ, 0, PRIO_PGRP, &who_is_helper, "PRIO_PGRP of process group 1", "the same, through the helper's process group"},
	{CALL(setpriority), ERR(EPERM), LOW32_EQ, 0, PRIO_USER, NULL, "PRIO_USER", "the same, through the uid the helper shares"},
	{CALL(ioprio_set), ERR(EPERM), LOW32_EQ_AND_LOW32_EQ, 0, IOPRIO_WHO_PROCESS, &who_is_helper, "IOPRIO_WHO_PROCESS of pid 1", "the helper's I/O priority"},
	{CALL(ioprio_set), ERR(EPERM), LOW32_EQ_AND_LOW32_EQ, 0, IOPRIO_WHO_PGRP, &who_is_helper, "IOPRIO_WHO_PGRP of process group 1", "the same, through its process group"},
	{CALL(ioprio_set), ERR(EPERM), LOW32_EQ, 0, IOPRIO_WHO_USER, NULL, "IOPRIO_WHO_USER", "the same, through the uid it shares"},
	/* Mounts and namespaces: bwrap built the sandbox's; the job must neither change them nor make new ones. */
	{CALL(mount), ERR(EPERM), ALWAYS, 0, 0, NULL, "", "the sandbox's mounts are fixed"},
	{CALL(umount2), ERR(EPERM), ALWAYS, 0, 0, NULL, "", "the sandbox's mounts are fixed"},
	{CALL(pivot_root), ERR(EPERM), ALWAYS, 0, 0, NULL, "", "the sandbox's root is fixed"},
	{CALL(chroot), ERR(EPERM), ALWAYS, 0, 0, NULL, "", "the sandbox's root is fixed"},
	{CALL(open_tree), ERR(EPERM), ALWAYS, 0, 0, NULL, "", "new mount API: clones mount trees"},
	{"open_tree_attr", 467, ERR(EPERM), ALWAYS, 0, 0, NULL, "", "new mount API (Linux 6.15, x86_64 number: newer than libseccomp's table)"},
	{CALL(move_mount), ERR(EPERM), ALWAYS, 0, 0, NULL, "", "new mount API: attaches mounts"},
	{CALL(fsopen), ERR(EPERM), ALWAYS, 0, 0, NULL, "", "new mount API: creates filesystems"},
	{CALL(fsconfig), ERR(EPERM), ALWAYS, 0, 0, NULL, "", "new mount API: configures them"},
	{CALL(fsmount), ERR(EPERM), ALWAYS, 0, 0, NULL, "", "new mount API: mounts them"},
	{CALL(fspick), ERR(EPERM), ALWAYS, 0, 0, NULL, "", "new mount API: reconfigures existing mounts"},
	{CALL(mount_setattr), ERR(EPERM), ALWAYS, 0, 0, NULL, "", "new mount API: changes mount flags"},
	{CALL(unshare), ERR(EPERM), ALWAYS, 0, 0, NULL, "", "new namespaces: each one is fresh kernel attack surface"},
	{CALL(setns), ERR(EPERM), ALWAYS, 0, 0, NULL, "", "joining other namespaces"},
	{CALL(clone), ERR(EPERM), ANY_BIT, 0, CLONE_NEW_FLAGS, NULL, "flags include a CLONE_NEW* flag", "new namespaces, through clone (flags are its first argument on x86_64)"},
	{CALL(clone3), ERR(ENOSYS), ALWAYS, 0, 0, NULL, "", "its flags are in memory, out of the filter's sight; ENOSYS makes glibc fall back to clone"},
	/* The host's business, refused by missing capabilities anyway. */
	{CALL(init_module), ERR(EPERM), ALWAYS, 0, 0, NULL, "", "loading kernel modules"},
	{CALL(finit_module), ERR(EPERM), ALWAYS, 0, 0, NULL, "", "loading kernel modules"},
	{CALL(delete_module), ERR(EPERM), ALWAYS, 0, 0, NULL, "", "unloading kernel modules"},
	{CALL(kexec_load), ERR(EPERM), ALWAYS, 0, 0, NULL, "", "replacing the running kernel"},
	{CALL(kexec_file_load), ERR(EPERM), ALWAYS, 0, 0, NULL, "", "replacing the running kernel"},
	{CALL(reboot), ERR(EPERM), ALWAYS, 0, 0, NULL, "", "rebooting the host"},
	{CALL(swapon), ERR(EPERM), ALWAYS, 0, 0, NULL, "", "the host's swap space"},
	{CALL(swapoff), ERR(EPERM), ALWAYS, 0, 0, NULL, "", "the host's swap space"},
	{CALL(acct), ERR(EPERM), ALWAYS, 0, 0, NULL, "", "process accounting"},
	{CALL(quotactl), ERR(EPERM), ALWAYS, 0, 0, NULL, "", "disk quotas"},
	{CALL(quotactl_fd), ERR(EPERM), ALWAYS, 0, 0, NULL, "", "disk quotas"},
	{CALL(settimeofday), ERR(EPERM), ALWAYS, 0, 0, NULL, "", "the clock is the host's"},
	{CALL(clock_settime), ERR(EPERM), ALWAYS, 0, 0, NULL, "", "the clock is the host's"},
	{CALL(clock_adjtime), ERR(EPERM), ALWAYS, 0, 0, NULL, "", "the clock is the host's"},
	{CALL(adjtimex), ERR(EPERM), ALWAYS, 0, 0, NULL, "", "the clock is the host's"},
	/* Sockets: the network namespace is empty, but these families reach past it or into the kernel. */
	{CALL(socket), ERR(EAFNOSUPPORT), NOT_IN, 0, 0, &families, "family other than AF_UNIX, AF_INET, AF_INET6, AF_NETLINK",
		"AF_VSOCK is one port space for every sandbox, outside the network namespace; AF_PACKET and the rest are kernel surface"},
	{CALL(socket), ERR(EPROTONOSUPPORT), EQ_AND_NOT_EQ, 0, AF_NETLINK, &route_only, "AF_NETLINK with a protocol other than NETLINK_ROUTE",
		"netlink's other protocols (generic, sock_diag, audit, uevents, netfilter, ...) are kernel surface; NETLINK_ROUTE stays for getifaddrs, and sees only the sandbox's own loopback"},
	{CALL(socketpair), ERR(EAFNOSUPPORT), NOT_EQ, 0, AF_UNIX, NULL, "family other than AF_UNIX", "the same, for socket pairs"},
	/* Terminals: the sandbox has none of its own, and must not type into the server's (--new-session too). */
	{CALL(ioctl), ERR(EPERM), LOW32_EQ, 1, TIOCSTI, NULL, "request TIOCSTI", "pushes input into a terminal (CVE-2017-5226)"},
	{CALL(ioctl), ERR(EPERM), LOW32_EQ, 1, TIOCLINUX, NULL, "request TIOCLINUX", "console selection paste: input into a terminal"},
	/* Disk flushes: the job's files are on tmpfs and go with it, so making them durable means nothing; on a
	 * descriptor of the host's read-only /usr, each call makes the host's disk flush its write cache. Answered 0
	 * ("0" in the errno column: success) without the call, so a program that checks the answer goes on. */
	{CALL(sync), ERR(0), ALWAYS, 0, 0, NULL, "", "flushes every filesystem of the host; answered as done"},
	{CALL(syncfs), ERR(0), ALWAYS, 0, 0, NULL, "", "flushes the host filesystem a descriptor is on (its /usr); answered as done"},
	{CALL(fsync), ERR(0), ALWAYS, 0, 0, NULL, "", "makes the host's disk flush its cache, even on a read-only file of /usr; answered as done"},
	{CALL(fdatasync), ERR(0), ALWAYS, 0, 0, NULL, "", "the same as fsync; answered as done"},
	{CALL(sync_file_range), ERR(0), ALWAYS, 0, 0, NULL, "", "writes back a host file's range; answered as done"},
	/* Weakened address-space rules: ADDR_NO_RANDOMIZE, READ_IMPLIES_EXEC, MMAP_PAGE_ZERO, other personas. */
	{CALL(personality), ERR(EPERM), NOT_EQ, 0, PER_LINUX, NULL, "persona other than PER_LINUX", "turns off ASLR or makes data executable; PER_LINUX still reads the current one"},
};
#define DENY_COUNT (sizeof(deny_list) / sizeof(deny_list[0]))

static const char abi_rule[] = "x86_64 only: a syscall of another ABI (i386 int 0x80, x32) kills the process with SIGSYS";

static int add_rule(scmp_filter_ctx filter, const struct deny *row)
{
	uint32_t action = SCMP_ACT_ERRNO((uint32_t)row->error);
	int rc = 0;
	switch (row->when) {
	case ALWAYS:
		return seccomp_rule_add_exact(filter, action, row->nr, 0);
	case ANY_BIT:
		/* One rule per bit: a masked compare matches only when all of its mask's bits are set. */
		for (unsigned bit = 0; bit < 64 && rc == 0; bit++) {
			unsigned long long flag = 1ULL << bit;
			if (row->value & flag)
				rc = seccomp_rule_add_exact(filter, action, row->nr, 1, SCMP_CMP(row->arg, SCMP_CMP_MASKED_EQ, flag, flag));
		}
		return rc;
	case LOW32_EQ:
		return seccomp_rule_add_exact(filter, action, row->nr, 1, SCMP_CMP(row->arg, SCMP_CMP_MASKED_EQ, 0xffffffffULL, row->value));
	case NOT_EQ:
		return seccomp_rule_add_exact(filter, action, row->nr, 1, SCMP_CMP(row->arg, SCMP_CMP_NE, row->value));
	case NOT_IN:
	{
		/* libseccomp takes one comparison per argument and rule, so no range: each gap between allowed values is cut
		 * into aligned power-of-two blocks, one masked compare each ([3, 10) is 3, 4-7, 8-9), then the bound. On all
		 * 64 bits, so garbage in the upper half is refused too, not truncated into an allowed value. */
		unsigned long long low = 0;
		for (const int *entry = row->extra->allowed;; entry++) {
			unsigned long long high = *entry >= 0 ? (unsigned long long)*entry : FAMILY_BOUND;
			while (low < high && rc == 0) {
				unsigned long long size = 1;
				while (low % (size * 2) == 0 && low + size * 2 <= high)
					size *= 2;
				rc = seccomp_rule_add_exact(filter, action, row->nr, 1, SCMP_CMP(row->arg, SCMP_CMP_MASKED_EQ, ~(size - 1), low));
				low += size;
			}
			if (*entry < 0 || rc != 0)
				break;
			low = high + 1;
		}
		return rc != 0 ? rc : seccomp_rule_add_exact(filter, action, row->nr, 1, SCMP_CMP(row->arg, SCMP_CMP_GE, (scmp_datum_t)FAMILY_BOUND));
	}
	case EQ_AND_NOT_EQ:
		return seccomp_rule_add_exact(filter, action, row->nr, 2, SCMP_CMP(row->arg, SCMP_CMP_EQ, row->value), SCMP_CMP(row->extra->arg, SCMP_CMP_NE, row->extra->value));
	case LOW32_EQ_AND_LOW32_EQ:
		return seccomp_rule_add_exact(filter, action, row->nr, 2, SCMP_CMP(row->arg, SCMP_CMP_MASKED_EQ, 0xffffffffULL, row->value),
			SCMP_CMP(row->extra->arg, SCMP_CMP_MASKED_EQ, 0xffffffffULL, row->extra->value));
	}
	return -EINVAL;
}

/*
 * Built and compiled to BPF by the helper before the fork (the helper itself stays unfiltered), so that the child
 * only has to load it: no allocation there, under the job's address-space limit (libseccomp's own load allocates,
 * and crashes when that fails).
 */
static struct sock_fprog build_filter(void)
{
	scmp_filter_ctx filter = seccomp_init(SCMP_ACT_ALLOW);
	if (filter == NULL)
		die(EXIT_INTERNAL, "seccomp_init failed");
	int rc = seccomp_attr_set(filter, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (rc != 0)
		die(EXIT_INTERNAL, "seccomp_attr_set: %s", strerror(-rc));
	for (size_t k = 0; k < DENY_COUNT; k++) {
		rc = add_rule(filter, &deny_list[k]);
		if (rc != 0)
			die(EXIT_INTERNAL, "seccomp rule for %s: %s", deny_list[k].call, strerror(-rc));
	}
	int fd = memfd_create("c-runner-filter", MFD_CLOEXEC);
	if (fd < 0)
		die(EXIT_INTERNAL, "memfd_create: %s", strerror(errno));
	rc = seccomp_export_bpf(filter, fd);
	if (rc != 0)
		die(EXIT_INTERNAL, "seccomp_export_bpf: %s", strerror(-rc));
	seccomp_release(filter);
	off_t size = lseek(fd, 0, SEEK_END);
	if (size <= 0 || size % (off_t)sizeof(struct sock_filter) != 0 || size > BPF_MAXINSNS * (off_t)sizeof(struct sock_filter))
		die(EXIT_INTERNAL, "the syscall filter has a bad size: %lld bytes", (long long)size);
	struct sock_filter *code = malloc((size_t)size);
	if (code == NULL || pread(fd, code, (size_t)size, 0) != size)
		die(EXIT_INTERNAL, "reading the syscall filter back: %s", strerror(errno));
	close(fd);
	return (struct sock_fprog){.len = (unsigned short)(size / (off_t)sizeof(struct sock_filter)), .filter = code};
}

/* `--list-filter`: the table, one tab-separated line per row (call, errno, condition, reason), then the ABI rule. */
static void list_filter(void)
{
	free(build_filter().filter);
	for (size_t k = 0; k < DENY_COUNT; k++)
		printf("deny\t%s\t%s\t%s\t%s\n", deny_list[k].call, deny_list[k].error_name, deny_list[k].condition, deny_list[k].reason);
	printf("abi\t%s\n", abi_rule);
	if (fflush(stdout) != 0)
		die(EXIT_INTERNAL, "writing the filter list: %s", strerror(errno));
	exit(0);
}

/*
 * A new, empty session keyring, joined before the filter refuses keyctl: whatever keyring the helper inherited
 * (the server's, shared by every job of its uid) is out of the command's reach. Where keyctl does not exist
 * (ENOSYS) or an outer filter, such as a container runtime's, refuses it (EPERM), no keyring is reachable at all.
 */
static int join_new_keyring(void)
{
	if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) >= 0 || errno == ENOSYS || errno == EPERM)
		return 0;
	return errno;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A step before the command failed: its errno goes to the parent, which reports it as exec_errno (a server error). */
static void child_failed(int exec_status_fd, int error, int code, const char *what)
{
	if (write(exec_status_fd, &error, sizeof error) != (ssize_t)sizeof error)
		_exit(code);
	die(code, "%s: %s", what, strerror(error));
}

static void run_child(char **argv, int exec_status_fd, const sigset_t *original_mask, const struct sock_fprog *filter)
{
	sigprocmask(SIG_SETMASK, original_mask, NULL);
	/* An ignored signal stays ignored across exec: the program's RLIMIT_CPU backstop is SIGXCPU's default action. */
	signal(SIGXCPU, SIG_DFL);
	setpgid(0, 0);
	umask(022);
	set_limits();
	/* The report descriptor and anything else inherited must not reach the program. */
	if (exec_status_fd > 3)
		close_range(3, (unsigned int)exec_status_fd - 1, 0);
	close_range((unsigned int)exec_status_fd + 1, ~0U, 0);
	int error = join_new_keyring();
	if (error != 0)
		child_failed(exec_status_fd, error, 126, "joining a new session keyring");
	/* Last, so that nothing the helper does is filtered: from here on only execv and the failure path run.
	 * NO_NEW_PRIVS is what lets an unprivileged process load a filter; nothing exec'd can gain privileges either. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		child_failed(exec_status_fd, errno, 126, "prctl PR_SET_NO_NEW_PRIVS");
	if (filter != NULL && syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, filter) != 0)
		child_failed(exec_status_fd, errno, 126, "loading the syscall filter");
	execv(argv[0], argv);
	error = errno;
	char what[PATH_MAX + 8];
	snprintf(what, sizeof what, "exec %s", argv[0]);
	child_failed(exec_status_fd, error, 127, what);
}

static long long limit_value(int resource)
{
	for (size_t k = 0; k < LIMIT_COUNT; k++)
		if (limits[k].resource == resource)
			return limits[k].value;
	return -1;
}

/* RUSAGE_CHILDREN counts every reaped process, orphans included: the usage of the whole tree so far. */
static struct rusage reaped_usage(void)
{
	struct rusage usage;
	if (getrusage(RUSAGE_CHILDREN, &usage) != 0)
		die(EXIT_INTERNAL, "getrusage: %s", strerror(errno));
	return usage;
}

static long long rusage_ns(const struct rusage *usage)
{
	return ((long long)usage->ru_utime.tv_sec + usage->ru_stime.tv_sec) * 1000000000LL
		+ ((long long)usage->ru_utime.tv_usec + usage->ru_stime.tv_usec) * 1000LL;
}

/*
 * The CPU of the helper's pid probes (below), each a process of the job's cgroup and a child of the helper: counted
 * by the cgroup and by RUSAGE_CHILDREN, so taken off both. Some 30 us a sample: 6 ms a second of an idle program.
 */
static long long probes_ns = 0;

/* The reaped processes' CPU, the probes' taken off. */
static long long cpu_ms_of(const struct rusage *usage)
{
	long long ns = rusage_ns(usage) - probes_ns;
	return ns > 0 ? ns / 1000000 : 0;
}

/*
 * The job's CPU time without /proc and without opening anything: each process's CPU clock (clock_gettime on
 * clock_getcpuclockid), summed over every process the sampler has seen, those that ended included at their last
 * sample. A process is found by its pid: pids are handed out in turn, so a probe (vfork, which returns the newest
 * pid) tells which pids were made since the last sample, and each is looked at once. What escapes: a process that
 * lives less than one sample, and what a process used after its last sample; both also reach the figure when a
 * process of the job reaps it (RUSAGE_CHILDREN, at the end), not when SIGCHLD is ignored.
 */
struct tracked {
	pid_t pid;
	long long cpu_ns;
};
static struct tracked tracked[TRACKED_MAX];
static size_t tracked_count = 0;
static long long departed_ns = 0;
static pid_t probed_up_to = 0;

static long long process_cpu_ns(pid_t pid)
{
	clockid_t clock;
	struct timespec ts;
	if (clock_getcpuclockid(pid, &clock) != 0 || clock_gettime(clock, &ts) != 0)
		return -1;
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* As pid 1 every other process of the namespace is the job's; outside one (tests), the command's process group. */
static int in_job(pid_t pid, pid_t child)
{
	return pid != getpid() && (getpid() == 1 || getpgid(pid) == child);
}

static void track(pid_t pid, pid_t child)
{
	for (size_t i = 0; i < tracked_count; i++)
		if (tracked[i].pid == pid)
			return;
	if (tracked_count == TRACKED_MAX || !in_job(pid, child))
		return;
	long long ns = process_cpu_ns(pid);
	if (ns >= 0)
		tracked[tracked_count++] = (struct tracked){pid, ns};
}

static void probe_new_pids(pid_t child, const sigset_t *chld)
{
	pid_t newest = vfork();
	if (newest == 0)
		_exit(0);
	if (newest > 0) {
		/* Reaped at once, and its SIGCHLD taken, or it would wake the next wait at once: a busy loop. A real
		 * child's SIGCHLD merged into it is not lost: the reaping that follows each sample finds its exit. */
		struct timespec now = {0, 0};
		struct rusage usage;
		if (wait4(newest, NULL, 0, &usage) == newest)
			probes_ns += rusage_ns(&usage);
		sigtimedwait(chld, NULL, &now);
	}
	if (newest < 0) {
		/* No probe (the namespace is out of pids): look a little past the last pid seen. */
		for (pid_t pid = probed_up_to + 1; pid <= probed_up_to + 64; pid++) {
			size_t before = tracked_count;
			track(pid, child);
			if (tracked_count > before)
				probed_up_to = pid;
		}
		return;
	}
	pid_t from = newest < probed_up_to ? 2 : probed_up_to + 1; /* below: pids wrapped around */
	if (newest - from > PROBE_MAX)
		from = newest - PROBE_MAX;
	for (pid_t pid = from; pid < newest; pid++)
		track(pid, child);
	probed_up_to = newest;
}

static long long sample_cpu_ns(pid_t child, const sigset_t *chld)
{
	probe_new_pids(child, chld);
	long long live = 0;
	size_t kept = 0;
	for (size_t i = 0; i < tracked_count; i++) {
		long long ns = process_cpu_ns(tracked[i].pid);
		if (ns < 0 || ns < tracked[i].cpu_ns) {
			/* Ended (or its pid was reused): what it had used stays counted. */
			departed_ns += tracked[i].cpu_ns;
			if (ns < 0)
				continue;
		}
		tracked[i].cpu_ns = ns;
		tracked[kept++] = tracked[i];
		live += ns;
	}
	tracked_count = kept;
	return departed_ns + live;
}

/* With a job cgroup: its cpuacct.usage, every process and thread of the job in nanoseconds, whoever reaps them. */
static long long cgroup_cpu_ns(int fd)
{
	char text[32];
	ssize_t length = pread(fd, text, sizeof text - 1, 0);
	if (length <= 0)
		return -1;
	text[length] = '\0';
	return strtoll(text, NULL, 10);
}

/* The helper's own CPU so far. */
static long long self_cpu_ns(void)
{
	struct timespec self;
	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &self) != 0)
		return -1;
	return (long long)self.tv_sec * 1000000000LL + self.tv_nsec;
}

/*
 * The cgroup's count when the program's time began, less the helper's own CPU then: bwrap's set-up and the helper's,
 * not the program's. Taken when the helper starts, or when its command comes (--command-fd).
 */
static long long cgroup_base_ns = 0;

/* The program's share of the cgroup's count: since its time began, less the helper's own CPU since. */
static long long job_cgroup_cpu_ns(int fd)
{
	long long total = cgroup_cpu_ns(fd);
	long long self = self_cpu_ns();
	if (total < 0 || self < 0)
		return -1;
	total -= cgroup_base_ns + self + probes_ns;
	return total > 0 ? total : 0;
}

/*
 * Waits for the command on fd: the run's own options (its limits, its stdin file), `--`, then the arguments, the
 * first an absolute path. NULL for none (end of file at once: the sandbox made ahead of its job is not needed).
 */
static char **read_command(int fd, struct options *options)
{
	char **strings;
	size_t count;
	errno = 0;
	const char *error = read_command_strings(fd, &strings, &count);
	if (error != NULL)
		die(EXIT_INTERNAL, "%s%s%s", error, errno != 0 ? ": " : "", errno != 0 ? strerror(errno) : "");
	if (count == 0)
		return NULL;
	if (count > INT_MAX)
		die(EXIT_INTERNAL, "the command has too many strings");
	int end = parse_option_list(options, (int)count, strings, 0, 1);
	if (end + 1 >= (int)count || strings[end + 1][0] != '/')
		die(EXIT_INTERNAL, "the command must be [options] -- PROGRAM [ARG...], PROGRAM an absolute path");
	return &strings[end + 1];
}

/*
 * Makes `file` descriptor 0 for the command: opened as the sandbox's user, inside the sandbox, never through a
 * symbolic link, without blocking on a FIFO, a regular file only (the server binds the job's stdin file there).
 */
static void open_stdin(const char *file)
{
	int fd = open(file, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0)
		die(EXIT_INTERNAL, "opening the stdin file %s: %s", file, strerror(errno));
	if (!S_ISREG(st.st_mode))
		die(EXIT_INTERNAL, "the stdin file %s is not a regular file", file);
	if (fcntl(fd, F_SETFL, 0) != 0 || dup2(fd, 0) != 0 || close(fd) != 0)
		die(EXIT_INTERNAL, "opening the stdin file %s: %s", file, strerror(errno));
}

/*
 * With a job cgroup whose OOM killer is disabled: whether a process of the job is waiting for memory at the limit
 * (`under_oom 1`). The kernel then kills nothing (it might pick the helper or bwrap); the helper ends the job.
 */
static int cgroup_under_oom(int fd)
{
	char text[256];
	ssize_t length = pread(fd, text, sizeof text - 1, 0);
	if (length <= 0)
		return 0;
	text[length] = '\0';
	return strstr(text, "under_oom 1") != NULL;
}

/*
 * The largest address space among the processes the sampler follows, as far as it is memory a program asked for: its
 * private writable mappings and stacks (the data field of /proc/<pid>/statm, in pages: VmData + VmStk of its status,
 * heap, anonymous maps, static data, thread stacks). Not the reservations it never made usable (PROT_NONE), which
 * RLIMIT_AS counts too: glibc reserves 64 MiB of them for each thread's malloc arena, and took a multi-threaded
 * program of 2 MiB past the memory limit. statm is numbers only (no command name to parse around) and half the
 * kernel's work of status. Read under a /proc descriptor opened before the program started (so only a descriptor per
 * read is needed: the helper closed its stdin and stdout, so one is free under any RLIMIT_NOFILE the program may set
 * on it). 0 without /proc.
 */
static long long sample_vm_kb(int proc_fd)
{
	long long peak = 0;
	if (proc_fd < 0)
		return 0;
	long long page_kb = sysconf(_SC_PAGESIZE) / 1024;
	for (size_t i = 0; i < tracked_count; i++) {
		char path[32], statm[256];
		snprintf(path, sizeof path, "%d/statm", (int)tracked[i].pid);
		int fd = openat(proc_fd, path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ssize_t length = read(fd, statm, sizeof statm - 1);
		close(fd);
		if (length <= 0)
			continue;
		statm[length] = '\0';
		/* size resident shared text lib data dt */
		long long data;
		if (sscanf(statm, "%*d %*d %*d %*d %*d %lld", &data) != 1)
			continue;
		if (data * page_kb > peak)
			peak = data * page_kb;
	}
	return peak;
}

/*
 * A process that called PTRACE_TRACEME has the helper as its tracer, and each signal it gets stops it and is
 * reported here as a stop. A stop is never an end: detach, passing on the signal it stopped for, so a crash still
 * kills it. The SIGTRAP the kernel sends a tracee at execve is the tracer's business and is not passed on.
 */
static void release_tracee(pid_t pid, int status)
{
	int sig = WSTOPSIG(status);
	siginfo_t info;
	if (sig == SIGTRAP && ptrace(PTRACE_GETSIGINFO, pid, NULL, &info) == 0 && info.si_code == SI_USER)
		sig = 0;
	ptrace(PTRACE_DETACH, pid, NULL, (void *)(long)sig);
}

/* Like waitpid, but a ptrace stop is released and waited past: only an exit or a death is returned. */
static pid_t wait_end(pid_t pid, int *status, int flags)
{
	for (;;) {
		int reaped_status = 0;
		pid_t reaped = waitpid(pid, &reaped_status, flags);
		if (reaped > 0 && WIFSTOPPED(reaped_status)) {
			release_tracee(reaped, reaped_status);
			continue;
		}
		if (status != NULL)
			*status = reaped_status;
		return reaped;
	}
}


/*
 * Touches the stack and tables it will need, so a lowered RLIMIT_STACK or RLIMIT_AS cannot stop them from growing
 * later, and a page fault of the helper never waits on a job cgroup at its memory limit.
 */
static void prefault(void)
{
	volatile char pages[64 * 1024];
	for (size_t i = 0; i < sizeof pages; i += 4096)
		pages[i] = 0;
	memset(tracked, 0, sizeof tracked);
}

/* As pid 1, kill(-1) reaches every process of this pid namespace; anywhere else it would reach far more. */
static void kill_everything(pid_t child)
{
	if (getpid() == 1)
		kill(-1, SIGKILL);
	else
		kill(-child, SIGKILL);
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--list-filter") == 0)
		list_filter();
	struct options options = parse_options(argc, argv);
	sigset_t chld, original_mask;
	int exec_status[2];
	int exec_errno = 0;
	int status = 0;
	int timed_out = 0;
	int cpu_exceeded = 0;
	int memory_exceeded = 0;
	int child_done = 0;
	long long peak_vm_kb = 0;
	long long sampled_cpu_ms = 0;
	long long cpu_limit_ms = -1;

	/* Non-dumpable: a program under the same uid can neither ptrace this process nor open its /proc fds or mem. */
	if (prctl(PR_SET_DUMPABLE, 0) != 0)
		die(EXIT_INTERNAL, "prctl PR_SET_DUMPABLE: %s", strerror(errno));
	if (fcntl(options.report_fd, F_SETFD, FD_CLOEXEC) != 0)
		die(EXIT_INTERNAL, "report descriptor %d: %s", options.report_fd, strerror(errno));
	if (options.cpu_usage_fd >= 0 && (fcntl(options.cpu_usage_fd, F_SETFD, FD_CLOEXEC) != 0 || (cgroup_base_ns = cgroup_cpu_ns(options.cpu_usage_fd)) < 0))
		die(EXIT_INTERNAL, "CPU usage descriptor %d cannot be read: %s", options.cpu_usage_fd, strerror(errno));
	if (options.oom_control_fd >= 0 && fcntl(options.oom_control_fd, F_SETFD, FD_CLOEXEC) != 0)
		die(EXIT_INTERNAL, "OOM control descriptor %d: %s", options.oom_control_fd, strerror(errno));
	/*
	 * Read once now, while the job has memory to spare: the kernel keeps a read buffer per open cgroup file,
	 * allocated at its first read and charged to the reader's cgroup — the job's. Read first at the limit, the
	 * allocation would fail (or stall in reclaim) every time, and the helper would never see the job waiting there.
	 */
	if (options.oom_control_fd >= 0)
		(void)cgroup_under_oom(options.oom_control_fd);
	if (pipe2(exec_status, O_CLOEXEC) != 0)
		die(EXIT_INTERNAL, "pipe2: %s", strerror(errno));
	/* Everything the samples read is open before the program starts: no limit it sets on the helper blinds it. */
	int proc_fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	/* Ignored, never handled: as pid 1 the helper then drops the SIGXCPU a job sends it, where a handler would be
	 * woken by each (a flood of them burnt the helper's CPU, uncounted). The child sets it back before its exec. */
	if (signal(SIGXCPU, SIG_IGN) == SIG_ERR)
		die(EXIT_INTERNAL, "signal: %s", strerror(errno));
	prefault();

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &chld, &original_mask) != 0)
		die(EXIT_INTERNAL, "sigprocmask: %s", strerror(errno));

	struct sock_fprog filter = build_filter();
	if (options.command_fd >= 0) {
		/* A sandbox made ahead of its job: everything is ready but the command. Its time begins when it comes. */
		options.argv = read_command(options.command_fd, &options);
		if (options.argv == NULL)
			exit(EXIT_INTERNAL);
		long long total = options.cpu_usage_fd >= 0 ? cgroup_cpu_ns(options.cpu_usage_fd) : 0;
		long long self = self_cpu_ns();
		if (total < 0 || self < 0)
			die(EXIT_INTERNAL, "CPU usage descriptor %d cannot be read: %s", options.cpu_usage_fd, strerror(errno));
		cgroup_base_ns = total - self;
	}
	if (options.wall_ms <= 0)
		die(EXIT_INTERNAL, "--wall-ms must be given and above 0");
	cpu_limit_ms = limit_value(RLIMIT_CPU);
	if (options.stdin_file != NULL)
		open_stdin(options.stdin_file);
	long long started = now_ms();
	pid_t child = fork();
	if (child < 0)
		die(EXIT_INTERNAL, "fork: %s", strerror(errno));
	if (child == 0)
		run_child(options.argv, exec_status[1], &original_mask, options.syscall_filter ? &filter : NULL);
	free(filter.filter);

	/* The program has its own stdin and stdout; freed here, they leave descriptors for the samples to use. */
	close(0);
	close(1);
	close(exec_status[1]);
	if (read(exec_status[0], &exec_errno, sizeof exec_errno) != (ssize_t)sizeof exec_errno)
		exec_errno = 0;
	close(exec_status[0]);
	probed_up_to = child - 1;

	long long deadline = started + options.wall_ms;
	long long ended = 0;
	long long next_sample = 0;
	while (!child_done) {
		long long now = now_ms();
		long long left = deadline - now;
		if (left <= 0) {
			timed_out = 1;
			break;
		}
		/* Wake at least every SAMPLE_MS to measure the job's CPU time and address space. */
		long long until_sample = next_sample > now ? next_sample - now : SAMPLE_MS;
		if (left > until_sample)
			left = until_sample;
		struct timespec timeout = {left / 1000, (left % 1000) * 1000000};
		siginfo_t info = {0};
		int got = sigtimedwait(&chld, &info, &timeout);
		if (got < 0 && errno != EAGAIN && errno != EINTR)
			die(EXIT_INTERNAL, "sigtimedwait: %s", strerror(errno));
		/* A SIGCHLD the job sent itself (kill, sigqueue: si_code <= 0) tells of no exit: before the next sample is due
		 * it makes none, so that a flood of them costs the helper a wakeup each, not a sample of every process. A
		 * real exit merged into it is found at that sample. */
		if (got == SIGCHLD && info.si_code <= 0 && now_ms() < next_sample)
			continue;
		next_sample = now_ms() + SAMPLE_MS;
		/*
		 * First, before anything that allocates kernel memory charged to the job (the pid probe's vfork, opening
		 * /proc files): at the job's limit such an allocation makes the helper itself reclaim, or fail.
		 */
		if (options.oom_control_fd >= 0 && cgroup_under_oom(options.oom_control_fd)) {
			memory_exceeded = 1;
			break;
		}
		/* The CPU of the processes that end now is counted before they are reaped. */
		long long cpu_ns = sample_cpu_ns(child, &chld);
		if (options.cpu_usage_fd >= 0) {
			long long cgroup_ns = job_cgroup_cpu_ns(options.cpu_usage_fd);
			if (cgroup_ns > cpu_ns)
				cpu_ns = cgroup_ns;
		}
		sampled_cpu_ms = cpu_ns / 1000000;
		long long vm_kb = sample_vm_kb(proc_fd);
		if (vm_kb > peak_vm_kb)
			peak_vm_kb = vm_kb;
		/* As pid 1 this process also inherits orphans: reap them all, note the command's own status. */
		for (;;) {
			int reaped_status;
			pid_t reaped = wait_end(-1, &reaped_status, WNOHANG);
			if (reaped <= 0)
				break;
			if (reaped == child) {
				status = reaped_status;
				child_done = 1;
				ended = now_ms();
			}
		}
		if (child_done)
			break;
		if (cpu_limit_ms > 0 && sampled_cpu_ms >= cpu_limit_ms) {
			cpu_exceeded = 1;
			break;
		}
	}

	kill_everything(child);
	if (!child_done) {
		ended = now_ms();
		if (wait_end(child, &status, 0) != child)
			die(EXIT_INTERNAL, "waitpid: %s", strerror(errno));
	}
	while (wait_end(-1, NULL, 0) > 0 || errno == EINTR)
		;

	/* Processes killed above are reaped by now; outside a pid namespace orphans are not ours to reap, so the last
	 * sample may know more. With a cgroup, its count is the job's whole CPU time (the program's share of it). */
	struct rusage usage = reaped_usage();
	long long cpu_ms = cpu_ms_of(&usage);
	if (options.cpu_usage_fd >= 0)
		sampled_cpu_ms = job_cgroup_cpu_ns(options.cpu_usage_fd) / 1000000;
	if (sampled_cpu_ms > cpu_ms)
		cpu_ms = sampled_cpu_ms;

	char report[512];
	int length = snprintf(report, sizeof report,
		"exec_errno=%d\nexited=%d\nexit_code=%d\nsignal=%d\ntimed_out=%d\ncpu_exceeded=%d\ncpu_ms=%lld\nwall_ms=%lld\n"
		"max_rss_kb=%ld\npeak_vm_kb=%lld\nmemory_exceeded=%d\n",
		exec_errno, WIFEXITED(status) ? 1 : 0, WIFEXITED(status) ? WEXITSTATUS(status) : 0,
		WIFSIGNALED(status) ? WTERMSIG(status) : 0, timed_out, cpu_exceeded, cpu_ms, ended - started,
		usage.ru_maxrss, peak_vm_kb, memory_exceeded);
	if (length <= 0 || (size_t)length >= sizeof report || write(options.report_fd, report, (size_t)length) != length)
		die(EXIT_INTERNAL, "writing the report: %s", strerror(errno));
	close(options.report_fd);
	return 0;
}
