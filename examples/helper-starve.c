// Attack: tries to starve the sandbox helper (pid 1, of the program's uid) so that it cannot enforce the CPU limit:
// SCHED_IDLE and a nice value of 19 for it, pinned to the CPU that eight spinning children keep busy.
// Expected: each try refused with EPERM ("sched_setscheduler(1): refused EPERM", and so on), and the job stopped at
// its CPU limit as any spinning job is: status "time_limit", stopped_by "cpu_time", cpu_ms near time_limit_ms.
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static void tried(const char *what, int result) {
	printf("%s: %s%s\n", what, result == 0 ? "allowed" : "refused ", result == 0 ? "" : strerrorname_np(errno));
	fflush(stdout);
}

int main(void) {
	struct sched_param idle = {0};
	tried("sched_setscheduler(1)", sched_setscheduler(1, SCHED_IDLE, &idle));
	tried("setpriority(PRIO_PROCESS, 1)", setpriority(PRIO_PROCESS, 1, 19));
	tried("setpriority(PRIO_USER)", setpriority(PRIO_USER, getuid(), 19));
	cpu_set_t first;
	CPU_ZERO(&first);
	CPU_SET(0, &first);
	tried("sched_setaffinity(1)", sched_setaffinity(1, sizeof first, &first));
	for (int i = 0; i < 8; i++) {
		if (fork() == 0) {
			sched_setaffinity(0, sizeof first, &first);
			for (volatile unsigned long spin = 0;; spin++) {
			}
		}
	}
	for (volatile unsigned long spin = 0;; spin++) {
	}
}
