// Attack: sleeps without using CPU, so only the wall clock can stop it. Prints first, to show that output
// written before a limit kill is returned (fflush: stdio buffering decides what was written).
// Expected: status "time_limit", stopped_by "wall_time", exit_code -9, output "sleeping\n".
#include <stdio.h>
#include <unistd.h>

int main(void) {
	printf("sleeping\n");
	fflush(stdout);
	for (;;) {
		pause();
	}
}
