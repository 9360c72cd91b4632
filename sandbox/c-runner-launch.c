/*
 * c-runner-launch: puts itself into a job's cgroups, then becomes bubblewrap, so every process of the job is in
 * them from its first instruction. The server starts it as the job's uid; it writes its own pid into each
 * cgroup.procs given (the server made them writable by that uid only), opens the job's cpuacct.usage as
 * descriptor 5 and its memory.oom_control as descriptor 6 for the sandbox helper to read, and execs the command.
 * It moves no other process.
 *   c-runner-launch [--wait-fd N] CPU_USAGE_FILE OOM_CONTROL_FILE CGROUP_PROCS_FILE... -- /ABSOLUTE/COMMAND [ARG...]
 * With --wait-fd, it joins and opens as before, then waits for one byte `g` on descriptor N before it execs; end of
 * file or anything else, and it exits without running the command. The server starts a job's run step this way
 * while the program compiles: joining a cgroup waits for an RCU grace period (the kernel's
 * cgroup_threadgroup_rwsem) of several milliseconds, which then passes during the compile. No sandbox exists until
 * the byte comes: bubblewrap starts only then, as fresh as ever.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EXIT_INTERNAL 125
/* Where the helper finds cpuacct.usage and memory.oom_control: above bwrap's report (3) and info (4) ones. */
#define CPU_USAGE_FD 5
#define OOM_CONTROL_FD 6

static int fail(const char *what, const char *file)
{
	fprintf(stderr, "c-runner-launch: %s %s: %s\n", what, file, strerror(errno));
	return EXIT_INTERNAL;
}

/* Opened after joining, read-only, left open across exec: the job's own counters, at a fixed descriptor. */
static int open_at(const char *file, int target)
{
	int fd = open(file, O_RDONLY);
	if (fd < 0)
		return -1;
	if (fd == target)
		return 0;
	return dup2(fd, target) == target && close(fd) == 0 ? 0 : -1;
}

/* Waits for the server's go: true only for exactly the byte `g`. */
static int wait_for_go(int fd)
{
	char byte = 0;
	ssize_t got;
	do
		got = read(fd, &byte, 1);
	while (got < 0 && errno == EINTR);
	return got == 1 && byte == 'g' && close(fd) == 0;
}

int main(int argc, char **argv)
{
	int wait_fd = -1;
	if (argc > 2 && strcmp(argv[1], "--wait-fd") == 0) {
		char *rest = NULL;
		long fd = strtol(argv[2], &rest, 10);
		if (*argv[2] == '\0' || *rest != '\0' || fd <= OOM_CONTROL_FD || fd > 1000) {
			fputs("c-runner-launch: --wait-fd takes a descriptor above the cgroup ones\n", stderr);
			return EXIT_INTERNAL;
		}
		wait_fd = (int)fd;
		argv += 2;
		argc -= 2;
	}
	int end = 1;
	while (end < argc && strcmp(argv[end], "--") != 0)
		end++;
	if (end < 4 || end + 1 >= argc || argv[end + 1][0] != '/') {
		fputs("usage: c-runner-launch [--wait-fd N] CPU_USAGE_FILE OOM_CONTROL_FILE CGROUP_PROCS_FILE... -- /ABSOLUTE/COMMAND [ARG...]\n", stderr);
		return EXIT_INTERNAL;
	}
	char pid[24];
	int length = snprintf(pid, sizeof pid, "%d\n", (int)getpid());
	for (int i = 3; i < end; i++) {
		int fd = open(argv[i], O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, pid, (size_t)length) != length || close(fd) != 0)
			return fail("joining", argv[i]);
	}
	if (open_at(argv[1], CPU_USAGE_FD) != 0)
		return fail("opening", argv[1]);
	if (open_at(argv[2], OOM_CONTROL_FD) != 0)
		return fail("opening", argv[2]);
	if (wait_fd >= 0 && !wait_for_go(wait_fd))
		return EXIT_INTERNAL;
	execv(argv[end + 1], &argv[end + 1]);
	return fail("exec", argv[end + 1]);
}
