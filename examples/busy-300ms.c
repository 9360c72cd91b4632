// Spins until it has used 300 ms of CPU time, by its own clock(), then prints "done".
// Expected: status "ok", cpu_ms close to 300 (the helper's figure agrees with the program's own clock). With
// time_limit_ms 200, under every policy and accounting backend: stopped at the limit before it prints, status
// "time_limit", stopped_by "cpu_time", exit_code -9, signal "SIGKILL", cpu_ms about 205, output empty; as a judge
// test case: verdict "TLE".
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
