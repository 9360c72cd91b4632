// Attack: a classic fork bomb; every process keeps forking and spinning.
// Expected: held at the process limit, killed with every descendant at the first limit the job reaches: its CPU time
// (summed over all its processes) or its wall time (status "time_limit"), or, with job cgroups, its memory (status
// "memory_limit"): each refused fork allocates a task and a kernel stack that stay charged to the job until an RCU
// grace period frees them. No process of the job is left on the host.
#include <unistd.h>

int main(void) {
	for (;;) {
		fork();
	}
}
