// Interactive: prints a line every 300 ms, three times. Each line reaches the client as it is printed, long
// before the program ends.
// Expected: (interactive): stdout messages "tick 1\n", "tick 2\n", "tick 3\n" about 300 ms apart; then exit "ok".
#include <stdio.h>
#include <time.h>

int main(void) {
	struct timespec pause = {0, 300 * 1000 * 1000};
	for (int i = 1; i <= 3; i++) {
		printf("tick %d\n", i);
		nanosleep(&pause, NULL);
	}
	return 0;
}
