// Interactive: says it is ready, then waits for input that never comes (or for a signal).
// Expected: (interactive): an interrupt gives status "signalled", signal "SIGINT", exit_code -2; with no input the
// idle limit stops it: status "time_limit", idle_timeout true; a socket closed meanwhile leaves nothing behind.
#include <stdio.h>

int main(void) {
	char line[64];
	printf("ready\n");
	if (fgets(line, sizeof line, stdin) == NULL)
		return 1;
	printf("got %s", line);
	return 0;
}
