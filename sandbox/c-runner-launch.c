/*
 * c-runner-launch: puts itself into a job's cgroups, then becomes bubblewrap, so every process of the job is in
 * them from its first instruction. The server starts it as the job's uid; it writes its own pid into each
 * cgroup.procs given (the server made them writable by that uid only), opens the job's cpuacct.usage as
 * descriptor 5 and its memory.oom_control as descriptor 6 for the sandbox helper to read, and execs the command.
 * It moves no other process.
 *   c-runner-launch CPU_USAGE_FILE OOM_CONTROL_FILE CGROUP_PROCS_FILE... -- /ABSOLUTE/COMMAND [ARG...]
 *   c-runner-launch --command-fd N CPU_USAGE_FILE OOM_CONTROL_FILE CGROUP_PROCS_FILE...
 * With --command-fd, it joins and opens as before, then waits for its command on descriptor N: the arguments, each
 * ended by a NUL byte, the first an absolute path, then end of file. End of file with nothing before it, and it
 * exits without running anything. The server starts launchers this way ahead of their jobs: joining a cgroup waits
 * for an RCU grace period (the kernel's cgroup_threadgroup_rwsem) of several milliseconds, and forking the server
 * costs more the larger it is; both then happen while nobody waits. No sandbox exists until the command comes:
 * bubblewrap starts only then, as fresh as ever, and the launcher keeps nothing of any job but its own cgroup.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "command.h"

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

/*
 * Reads the command from fd to its end: NULL for none (end of file at once, the server's "not needed"); exits on a
 * read error or a malformed command: at least the program, an absolute path.
 */
static char **read_command(int fd)
{
	char **argv;
	size_t count;
	errno = 0;
	const char *error = read_command_strings(fd, &argv, &count);
	if (error != NULL) {
		fprintf(stderr, "c-runner-launch: %s%s%s\n", error, errno != 0 ? ": " : "", errno != 0 ? strerror(errno) : "");
		exit(EXIT_INTERNAL);
	}
	if (count == 0)
		return NULL;
	if (argv[0][0] != '/') {
		fputs("c-runner-launch: the command's program must be an absolute path\n", stderr);
		exit(EXIT_INTERNAL);
	}
	return argv;
}

static int usage(void)
{
	fputs("usage: c-runner-launch CPU_USAGE_FILE OOM_CONTROL_FILE CGROUP_PROCS_FILE... -- /ABSOLUTE/COMMAND [ARG...]\n"
	      "       c-runner-launch --command-fd N CPU_USAGE_FILE OOM_CONTROL_FILE CGROUP_PROCS_FILE...\n", stderr);
	return EXIT_INTERNAL;
}

int main(int argc, char **argv)
{
	int command_fd = -1;
	if (argc > 2 && strcmp(argv[1], "--command-fd") == 0) {
		char *rest = NULL;
		long fd = strtol(argv[2], &rest, 10);
		if (*argv[2] == '\0' || *rest != '\0' || fd <= OOM_CONTROL_FD || fd > 1000) {
			fputs("c-runner-launch: --command-fd takes a descriptor above the cgroup ones\n", stderr);
			return EXIT_INTERNAL;
		}
		command_fd = (int)fd;
		argv += 2;
		argc -= 2;
	}
	/* The cgroup files end at `--` (a command on the command line) or at the end (a command to come). */
	int end = 1;
	while (end < argc && strcmp(argv[end], "--") != 0)
		end++;
	if (end < 4)
		return usage();
	if (command_fd < 0 ? end + 1 >= argc || argv[end + 1][0] != '/' : end != argc)
		return usage();
	/*
	 * Nothing but what the server gave it passes on to bubblewrap: 0-4 (stdin, the step's pipes, bwrap's report and
	 * info), 5 and 6 (placeholders for the counters), and 7: its own command's pipe, or, for a command on the command
	 * line, the sandbox helper's (a sandbox made ahead of its job, whose helper waits there for the job's command).
	 * A descriptor the server inherited without close-on-exec from whoever started it would otherwise ride along
	 * into every sandbox's bwrap and helper.
	 */
	if (command_fd < 0) {
		close_range(8, ~0U, 0);
	} else {
		if (command_fd > 7)
			close_range(7, (unsigned int)command_fd - 1, 0);
		close_range((unsigned int)command_fd + 1, ~0U, 0);
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
	char **command = &argv[end + 1];
	if (command_fd >= 0) {
		command = read_command(command_fd);
		if (command == NULL)
			return EXIT_INTERNAL;
	}
	execv(command[0], command);
	return fail("exec", command[0]);
}
