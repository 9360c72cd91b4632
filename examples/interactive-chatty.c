// Attack (interactive): never idle and never done — a line every 200 ms, forever, without reading input — so
// only the interactive wall limit (C_RUNNER_INTERACTIVE_WALL_MS) stops it.
// Expected: (interactive): status "time_limit", stopped_by "wall_time", idle_timeout false, exit_code -9.
#include <stdio.h>
#include <time.h>

int main(void) {
	struct timespec pause = {0, 200 * 1000 * 1000};
	for (long i = 0;; i++) {
		printf("still here %ld\n", i);
		nanosleep(&pause, NULL);
	}
}
