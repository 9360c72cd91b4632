// Attack: does its work in children that live less than one of the sandbox's 5 ms CPU samples: forks one child
// after another, for ever, each burning 2 ms of CPU (argv[1] ms) before it exits, and reaps each itself (waitpid),
// so that a child's CPU time moves into its parent's rusage, which no per-process CPU clock shows.
// Expected: status "time_limit". With job cgroups, stopped_by "cpu_time" at the limit (the cgroup counts every
// process). Under the helper backend (no job cgroups) the samples miss most of the children, so the job may run on
// to the wall-clock limit (stopped_by "wall_time"), with cpu_ms, counted at the end from what was reaped, well over
// the limit, as /health's policy.accounting.not_guaranteed says.
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double cpu_ms(void) {
	struct timespec now;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
	return (double)now.tv_sec * 1e3 + (double)now.tv_nsec / 1e6;
}

int main(int argc, char **argv) {
	double burn = argc > 1 ? atof(argv[1]) : 2;
	for (;;) {
		pid_t child = fork();
		if (child == 0) {
			volatile unsigned long spins = 0;
			while (cpu_ms() < burn) {
				spins++;
			}
			_exit(spins == 0);
		}
		if (child > 0) {
			waitpid(child, NULL, 0);
		}
	}
}
