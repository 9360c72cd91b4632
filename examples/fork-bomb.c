// Attack: a classic fork bomb; every process keeps forking and spinning.
// Expected: held at the process limit, killed at the wall-time limit with every descendant:
// status "time_limit", and no process of the job left on the host.
#include <unistd.h>

int main(void) {
	for (;;) {
		fork();
	}
}
