// Counts the lines of its input until end-of-file, then prints "lines=N".
// Expected: over /interactive, 1320 lines of 100 bytes sent in three stdin messages (132 KB, more than the terminal
// relay's two 64 KiB buffers hold), then eof: "lines=1320", status "ok".
#include <stdio.h>

int main(void) {
	char line[4096];
	long lines = 0;
	while (fgets(line, sizeof line, stdin)) {
		lines++;
	}
	printf("lines=%ld\n", lines);
	return 0;
}
