// Reserves address space 1 MiB at a time, never touching it, until malloc fails at the address-space limit (twice
// the memory limit plus 16 MiB with a job cgroup, the limit plus 16 MiB without); holds it for 200 ms (the sandbox
// samples every 5 ms), then fails with exit 1, as a program does that gives up when an allocation fails.
// Expected: status "memory_limit", stopped_by "memory", exit_code 1 (a failed run whose mapped memory had reached the
// limit), with a private /proc in the sandbox; without /proc (C_RUNNER_SANDBOX_PROC=none), where address spaces are
// not sampled, its own "runtime_error", as /health's policy.weakened says.
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(void) {
	size_t count = 0;
	while (malloc(1 << 20) != NULL) {
		count++;
	}
	usleep(200 * 1000);
	printf("reserved %zu MiB before malloc failed\n", count);
	return 1;
}
