// Attack: tries to lower the sandbox helper's RLIMIT_CPU (it is pid 1, of the program's uid), then floods it with
// SIGXCPU from four processes for a second, so that it dies of its own CPU limit or burns CPU uncounted: either way
// the job would end without its report (a 500).
// Expected: "prlimit64(1): refused EPERM", then "flooded: many signals" and status "ok": the helper ignores SIGXCPU
// (a job's signals to pid 1 are then dropped), so it neither wakes for them nor dies.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(void) {
	struct rlimit one_second = {1, 1};
	if (prlimit(1, RLIMIT_CPU, &one_second, NULL) != 0) {
		printf("prlimit64(1): refused %s\n", strerrorname_np(errno));
	} else {
		printf("prlimit64(1): allowed\n");
	}
	fflush(stdout);
	int pipes[2];
	pipe(pipes);
	double start = now();
	for (int i = 0; i < 4; i++) {
		if (fork() == 0) {
			long sent = 0;
			struct timespec pause = {0, 20000};
			while (now() - start < 1.0) {
				if (kill(1, SIGXCPU) == 0) {
					sent++;
				}
				nanosleep(&pause, NULL);
			}
			write(pipes[1], &sent, sizeof sent);
			_exit(0);
		}
	}
	long total = 0;
	for (int i = 0; i < 4; i++) {
		long sent = 0;
		read(pipes[0], &sent, sizeof sent);
		total += sent;
	}
	while (wait(NULL) > 0) {
	}
	printf("flooded: %s\n", total > 1000 ? "many signals" : "few signals");
	return 0;
}
