// Attack: ignores SIGCHLD, so the kernel reaps its children at once and their CPU time never reaches a parent's
// rusage; runs CHILDREN short-lived children one after another, each burning MS of CPU (argv; default 50 × 100 ms
// = 5 s). With a third argument "blind", it first tries to lower pid 1's (the helper's) RLIMIT_NPROC to 1, so that
// the helper's pid probe could not fork: refused (EPERM, the syscall filter), "prlimit NPROC refused" on stderr.
// Expected: against a 1000 ms CPU limit, status "time_limit", stopped_by "cpu_time", cpu_ms at least the limit,
// under either accounting backend (the job cgroup counts every process; the helper samples each child's CPU clock
// while it lives).
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static double cpu_seconds(void) {
	struct timespec now;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
	return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
	int children = argc > 1 ? atoi(argv[1]) : 50;
	double burn = (argc > 2 ? atoi(argv[2]) : 100) / 1000.0;
	if (argc > 3 && strcmp(argv[3], "blind") == 0) {
		struct rlimit one = {1, 1};
		fprintf(stderr, "prlimit NPROC %s\n", prlimit(1, RLIMIT_NPROC, &one, NULL) == 0 ? "lowered" : "refused");
	}
	signal(SIGCHLD, SIG_IGN);
	for (int i = 0; i < children; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			volatile unsigned long spins = 0;
			while (cpu_seconds() < burn)
				spins++;
			_exit((int)(spins & 1));
		}
		/* one child at a time: each is gone before the next starts */
		struct timespec pause = {0, (long)(burn * 1.2e9)};
		nanosleep(&pause, NULL);
	}
	printf("%d children burned %.0f ms of CPU\n", children, children * burn * 1000);
	return 0;
}
