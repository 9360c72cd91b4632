// Attack: tries to lower the rlimits of pid 1 — the sandbox helper, which runs as the same uid — to blind it
// (RLIMIT_NOFILE 3: it could no longer open what it samples; RLIMIT_NPROC 1: its pid probe cannot fork), to starve
// it (RLIMIT_AS: no new mappings) and to kill it (RLIMIT_CPU 1 s), then spins for 2.5 s of CPU.
// Expected: each prlimit refused ("prlimit NOFILE refused", ... on stderr: the syscall filter denies prlimit64 on
// pid 1), and against a 1000 ms CPU limit, status "time_limit", stopped_by "cpu_time", cpu_ms at least the limit and
// well under 2500, under either accounting backend (even were a limit lowered, the helper needs no new descriptor
// or memory to sample).
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/resource.h>
#include <time.h>

static double cpu_seconds(void) {
	struct timespec now;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
	return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

int main(void) {
	struct rlimit nofile = {3, 3}, nproc = {1, 1}, as = {16 << 20, 16 << 20}, cpu = {1, 1};
	fprintf(stderr, "prlimit NOFILE %s\n", prlimit(1, RLIMIT_NOFILE, &nofile, NULL) == 0 ? "lowered" : "refused");
	fprintf(stderr, "prlimit NPROC %s\n", prlimit(1, RLIMIT_NPROC, &nproc, NULL) == 0 ? "lowered" : "refused");
	fprintf(stderr, "prlimit AS %s\n", prlimit(1, RLIMIT_AS, &as, NULL) == 0 ? "lowered" : "refused");
	fprintf(stderr, "prlimit CPU %s\n", prlimit(1, RLIMIT_CPU, &cpu, NULL) == 0 ? "lowered" : "refused");
	volatile unsigned long spins = 0;
	while (cpu_seconds() < 2.5)
		spins++;
	printf("spun %lu times\n", spins);
	return 0;
}
