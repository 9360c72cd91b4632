// Tries every system call the sandbox's syscall filter denies, and a few it must allow, one line each:
//   "<call>: refused <ERRNO>" or "<call>: allowed (returned N)"; controls as "control <call>: ...".
// Arguments are chosen so that, were a call not filtered, the kernel would fail it differently (EFAULT, EBADF,
// EINVAL, ...) or do nothing harmful; nothing is ever connected or bound, no key is added.
// Then the other ABIs, each in a child: "abi <name>: killed by signal 31" (SIGSYS), and the filter's mark in
// /proc/self/status ("Seccomp: 2").
// Expected: every denied call refused with the errno of sandbox/c-runner-sandbox.c's table (EPERM; clone3 ENOSYS;
// memfd_secret ENOSYS; socket families EAFNOSUPPORT, netlink protocols but NETLINK_ROUTE EPROTONOSUPPORT), the disk
// flushes "allowed (returned 0)" (answered without the call: EBADF outside the sandbox), every control allowed, both
// ABI probes killed by SIGSYS; status "ok".
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/ioprio.h>
#include <linux/netlink.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define BAD_POINTER ((void *)1)

static void report(const char *name, long result) {
	if (result < 0) {
		printf("%s: refused %s\n", name, strerrorname_np(errno));
	} else {
		printf("%s: allowed (returned %ld)\n", name, result);
	}
	fflush(stdout);
}

static void try_socket(const char *name, int family, int type, int protocol) {
	long fd = socket(family, type, protocol);
	report(name, fd);
	if (fd >= 0) {
		close((int)fd);
	}
}

static void try_clone(const char *name, unsigned long flags) {
	fflush(stdout);
	long pid = syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, 0);
	if (pid == 0) {
		_exit(0); // should the kernel ever accept it: the copy ends at once
	}
	report(name, pid);
	if (pid > 0) {
		waitpid((pid_t)pid, NULL, 0);
	}
}

// Runs `call` in a child that may be killed for it; reports how the child ended.
static void in_child(const char *name, void (*call)(void)) {
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		call();
		_exit(0);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	if (WIFSIGNALED(status)) {
		printf("abi %s: killed by signal %d\n", name, WTERMSIG(status));
	} else {
		printf("abi %s: exited %d\n", name, WEXITSTATUS(status));
	}
}

static void i386_getpid(void) {
	long result;
	// int 0x80 is the i386 entry: eax 20 is i386's getpid.
	__asm__ volatile("int $0x80" : "=a"(result) : "a"(20L) : "memory");
	_exit(result > 0 ? 3 : 4);
}

static void x32_getpid(void) {
	// The x32 ABI: x86_64's entry with bit 30 set in the number.
	long result = syscall(0x40000000L | SYS_getpid);
	_exit(result > 0 ? 3 : 4);
}

int main(void) {
	report("io_uring_setup", syscall(SYS_io_uring_setup, 1, BAD_POINTER));
	report("io_uring_enter", syscall(SYS_io_uring_enter, -1, 0, 0, 0, NULL, 0));
	report("io_uring_register", syscall(SYS_io_uring_register, -1, 0, NULL, 0));
	report("bpf", syscall(SYS_bpf, 0, BAD_POINTER, 16));
	report("perf_event_open", syscall(SYS_perf_event_open, BAD_POINTER, 0, -1, -1, 0));
	report("userfaultfd", syscall(SYS_userfaultfd, ~0));
	report("modify_ldt", syscall(SYS_modify_ldt, 0, BAD_POINTER, 16));
	report("uselib", syscall(SYS_uselib, BAD_POINTER));
	report("syslog", syscall(SYS_syslog, 10, NULL, 0)); // SYSLOG_ACTION_SIZE_BUFFER: a harmless read
	report("iopl", syscall(SYS_iopl, 4)); // above 3: EINVAL
	report("ioperm", syscall(SYS_ioperm, ~0UL, 1, 0));
	report("open_by_handle_at", syscall(SYS_open_by_handle_at, -1, BAD_POINTER, 0));
	report("move_pages", syscall(SYS_move_pages, 0, 1, BAD_POINTER, NULL, BAD_POINTER, 0));
	report("migrate_pages", syscall(SYS_migrate_pages, 0, 1, BAD_POINTER, BAD_POINTER));
	report("memfd_secret", syscall(SYS_memfd_secret, ~0U)); // every flag: EINVAL
	report("add_key", syscall(SYS_add_key, BAD_POINTER, BAD_POINTER, NULL, 0, 0));
	report("keyctl", syscall(SYS_keyctl, -1));
	report("request_key", syscall(SYS_request_key, BAD_POINTER, BAD_POINTER, NULL, 0));
	report("ptrace", syscall(SYS_ptrace, -1, 0, NULL, NULL));
	report("process_vm_readv", syscall(SYS_process_vm_readv, 0, NULL, 0, NULL, 0, ~0UL));
	report("process_vm_writev", syscall(SYS_process_vm_writev, 0, NULL, 0, NULL, 0, ~0UL));
	report("pidfd_getfd", syscall(SYS_pidfd_getfd, -1, 0, 0));
	report("kcmp", syscall(SYS_kcmp, 0, 0, -1, 0, 0));
	// pid 1 is the sandbox helper: each call would read or set nothing harmful were it let through (a read of its
	// limits, bad arguments, the nice and I/O priority it already has).
	struct rlimit cpu_limit;
	report("prlimit64(pid 1)", syscall(SYS_prlimit64, 1, RLIMIT_CPU, NULL, &cpu_limit));
	report("prlimit64(pid 1 with high bits)", syscall(SYS_prlimit64, 0x100000001L, RLIMIT_CPU, NULL, &cpu_limit));
	report("sched_setscheduler(pid 1)", syscall(SYS_sched_setscheduler, 1, -1, NULL));
	report("sched_setparam(pid 1)", syscall(SYS_sched_setparam, 1, NULL));
	report("sched_setattr(pid 1)", syscall(SYS_sched_setattr, 1, NULL, 0));
	report("sched_setaffinity(pid 1)", syscall(SYS_sched_setaffinity, 1, 0, NULL));
	report("setpriority(PRIO_PROCESS, pid 1)", syscall(SYS_setpriority, PRIO_PROCESS, 1, 0));
	report("setpriority(PRIO_PGRP, 1)", syscall(SYS_setpriority, PRIO_PGRP, 1, 0));
	report("setpriority(PRIO_USER)", syscall(SYS_setpriority, PRIO_USER, getuid(), 0));
	report("ioprio_set(IOPRIO_WHO_PROCESS, pid 1)", syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 1, 0));
	report("ioprio_set(IOPRIO_WHO_PGRP, 1)", syscall(SYS_ioprio_set, IOPRIO_WHO_PGRP, 1, 0));
	report("ioprio_set(IOPRIO_WHO_USER)", syscall(SYS_ioprio_set, IOPRIO_WHO_USER, getuid(), 0));
	report("mount", syscall(SYS_mount, BAD_POINTER, BAD_POINTER, BAD_POINTER, 0, NULL));
	report("umount2", syscall(SYS_umount2, BAD_POINTER, 0));
	report("pivot_root", syscall(SYS_pivot_root, BAD_POINTER, BAD_POINTER));
	report("chroot", syscall(SYS_chroot, BAD_POINTER));
	report("open_tree", syscall(SYS_open_tree, -1, BAD_POINTER, 0));
	report("open_tree_attr", syscall(467, -1, BAD_POINTER, 0, NULL, 0));
	report("move_mount", syscall(SYS_move_mount, -1, BAD_POINTER, -1, BAD_POINTER, 0));
	report("fsopen", syscall(SYS_fsopen, BAD_POINTER, 0));
	report("fsconfig", syscall(SYS_fsconfig, -1, 0, NULL, NULL, 0));
	report("fsmount", syscall(SYS_fsmount, -1, 0, 0));
	report("fspick", syscall(SYS_fspick, -1, BAD_POINTER, 0));
	report("mount_setattr", syscall(SYS_mount_setattr, -1, BAD_POINTER, 0, NULL, 0));
	report("unshare", syscall(SYS_unshare, ~0UL)); // every flag: EINVAL
	report("setns", syscall(SYS_setns, -1, 0));
	// A CLONE_NEW* flag with CLONE_FS, a combination the kernel refuses (EINVAL) before it makes anything.
	try_clone("clone(CLONE_NEWUSER)", CLONE_NEWUSER | CLONE_FS);
	try_clone("clone(CLONE_NEWNS)", CLONE_NEWNS | CLONE_FS);
	report("clone3", syscall(SYS_clone3, BAD_POINTER, 88));
	report("init_module", syscall(SYS_init_module, BAD_POINTER, 0, BAD_POINTER));
	report("finit_module", syscall(SYS_finit_module, -1, BAD_POINTER, 0));
	report("delete_module", syscall(SYS_delete_module, BAD_POINTER, 0));
	report("kexec_load", syscall(SYS_kexec_load, 0, ~0UL, NULL, 0)); // too many segments: EINVAL
	report("kexec_file_load", syscall(SYS_kexec_file_load, -1, -1, 0, NULL, ~0UL));
	report("reboot", syscall(SYS_reboot, 0, 0, 0, NULL)); // bad magic: EINVAL
	report("swapon", syscall(SYS_swapon, BAD_POINTER, 0));
	report("swapoff", syscall(SYS_swapoff, BAD_POINTER));
	report("acct", syscall(SYS_acct, BAD_POINTER));
	report("quotactl", syscall(SYS_quotactl, 0, BAD_POINTER, 0, NULL));
	report("quotactl_fd", syscall(SYS_quotactl_fd, -1, 0, 0, NULL));
	report("settimeofday", syscall(SYS_settimeofday, BAD_POINTER, NULL));
	report("clock_settime", syscall(SYS_clock_settime, -1, BAD_POINTER));
	report("clock_adjtime", syscall(SYS_clock_adjtime, -1, BAD_POINTER));
	report("adjtimex", syscall(SYS_adjtimex, BAD_POINTER));
	try_socket("socket(AF_VSOCK)", AF_VSOCK, SOCK_STREAM, 0);
	try_socket("socket(AF_PACKET)", AF_PACKET, SOCK_DGRAM, 0);
	try_socket("socket(AF_NETLINK, NETLINK_GENERIC)", AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
	try_socket("socket(AF_NETLINK, NETLINK_SOCK_DIAG)", AF_NETLINK, SOCK_RAW, NETLINK_SOCK_DIAG);
	try_socket("socket(AF_NETLINK, NETLINK_KOBJECT_UEVENT)", AF_NETLINK, SOCK_DGRAM, NETLINK_KOBJECT_UEVENT);
	try_socket("socket(AF_ALG)", AF_ALG, SOCK_SEQPACKET, 0);
	// The family is an int: a value with high bits set must not pass as AF_UNIX.
	report("socket(AF_UNIX with high bits)", syscall(SYS_socket, 0x100000000L | AF_UNIX, SOCK_STREAM, 0));
	int pair[2];
	report("socketpair(AF_INET)", socketpair(AF_INET, SOCK_STREAM, 0, pair));
	report("ioctl(TIOCSTI)", ioctl(-1, TIOCSTI, "x"));
	// ioctl's request is 32 bits to the kernel: high bits must not smuggle TIOCSTI past the filter.
	report("ioctl(TIOCSTI with high bits)", syscall(SYS_ioctl, -1, 0x100000000L | TIOCSTI, "x"));
	report("ioctl(TIOCLINUX)", ioctl(-1, TIOCLINUX, "x"));
	// Disk flushes are answered as done (0) without the call: on a bad descriptor the kernel itself says EBADF.
	// sync returns 0 either way, so only its place in the filter's table (the same rows) stands for it.
	report("sync", syscall(SYS_sync));
	report("syncfs(bad descriptor)", syscall(SYS_syncfs, -1));
	report("fsync(bad descriptor)", syscall(SYS_fsync, -1));
	report("fdatasync(bad descriptor)", syscall(SYS_fdatasync, -1));
	report("sync_file_range(bad descriptor)", syscall(SYS_sync_file_range, -1, 0L, 0L, 0));
	report("personality(ADDR_NO_RANDOMIZE)", personality(PER_LINUX | ADDR_NO_RANDOMIZE));
	report("personality(READ_IMPLIES_EXEC)", personality(PER_LINUX | READ_IMPLIES_EXEC));

	// What must still work.
	try_socket("control socket(AF_UNIX)", AF_UNIX, SOCK_STREAM, 0);
	try_socket("control socket(AF_INET)", AF_INET, SOCK_STREAM, 0);
	try_socket("control socket(AF_INET6)", AF_INET6, SOCK_DGRAM, 0);
	try_socket("control socket(AF_NETLINK, NETLINK_ROUTE)", AF_NETLINK, SOCK_RAW, NETLINK_ROUTE); // getifaddrs
	long made = socketpair(AF_UNIX, SOCK_STREAM, 0, pair);
	report("control socketpair(AF_UNIX)", made);
	report("control personality(PER_LINUX)", personality(PER_LINUX));
	// The same calls on the program itself (0, its own pid, its own thread) still work.
	report("control prlimit64(self)", syscall(SYS_prlimit64, 0, RLIMIT_CPU, NULL, &cpu_limit));
	report("control prlimit64(own pid)", syscall(SYS_prlimit64, getpid(), RLIMIT_CPU, NULL, &cpu_limit));
	cpu_set_t cpus;
	sched_getaffinity(0, sizeof cpus, &cpus);
	report("control sched_setaffinity(own thread)", syscall(SYS_sched_setaffinity, gettid(), sizeof cpus, &cpus));
	report("control setpriority(PRIO_PROCESS, self)", setpriority(PRIO_PROCESS, 0, 0));
	int fds[2];
	report("control pipe", pipe(fds));
	pid_t child = fork();
	if (child == 0) {
		_exit(0);
	}
	report("control fork", child);
	waitpid(child, NULL, 0);

	in_child("i386", i386_getpid);
	in_child("x32", x32_getpid);

	FILE *status = fopen("/proc/self/status", "r");
	char line[256];
	while (status && fgets(line, sizeof line, status)) {
		if (strncmp(line, "Seccomp", 7) == 0 || strncmp(line, "NoNewPrivs", 10) == 0) {
			fputs(line, stdout);
		}
	}
	return 0;
}
