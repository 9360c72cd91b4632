// Spins until it has used 300 ms of CPU time, by its own clock(), then prints "done".
// Expected: status "ok", cpu_ms close to 300 (the helper's figure agrees with the program's own clock). With
// time_limit_ms 200: verdict "TLE" under every policy, stopped at 200 ms with a private /proc, or let run to its end
// without one (RLIMIT_CPU counts whole seconds) and judged by its measured CPU time all the same.
#include <stdio.h>
#include <time.h>

int main(void) {
	clock_t end = clock() + CLOCKS_PER_SEC * 3 / 10;
	volatile unsigned long spins = 0;
	while (clock() < end) {
		spins++;
	}
	printf("done\n");
	return 0;
}
