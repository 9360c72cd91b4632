// Attack: a classic fork bomb; every process keeps forking and spinning.
// Expected: held at the process limit, killed with every descendant once the job's CPU time (summed over all its
// processes) or its wall time runs out: status "time_limit", and no process of the job left on the host.
#include <unistd.h>

int main(void) {
	for (;;) {
		fork();
	}
}
