// Attack: floods the sandbox helper (pid 1) with SIGCHLD for 1.5 s, sent with kill(), while 20 children sleep. Each
// SIGCHLD woke the helper, which then sampled every process of the job (its CPU time and address space): some 5,000
// samples a second, about half a core of the helper's CPU that no figure of the job counted.
// Expected: status "ok", "sent <n>"; the helper wakes for each signal but samples only every 5 ms as usual (a test
// reads its CPU time from outside: some 200 ms for the run, against over 1 s before).
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(void) {
	pid_t children[20];
	for (int i = 0; i < 20; i++) {
		children[i] = fork();
		if (children[i] == 0) {
			pause();
			_exit(0);
		}
	}
	long sent = 0;
	struct timespec gap = {0, 100 * 1000};
	for (double end = now() + 1.5; now() < end;) {
		sent += kill(1, SIGCHLD) == 0;
		nanosleep(&gap, NULL);
	}
	for (int i = 0; i < 20; i++) {
		kill(children[i], SIGKILL);
	}
	printf("sent %ld\n", sent);
	return 0;
}
