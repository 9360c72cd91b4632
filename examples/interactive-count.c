// Interactive: reports what its descriptors are, then counts the bytes of its input until end-of-input.
// Expected: (interactive, input "abc\nde" then eof): stdout "tty 1 1 0\n" (stdin and stdout a terminal, stderr a
// pipe), then "bytes=6\n"; exit "ok".
#include <stdio.h>
#include <unistd.h>

int main(void) {
	printf("tty %d %d %d\n", isatty(0), isatty(1), isatty(2));
	long count = 0;
	while (getchar() != EOF)
		count++;
	printf("bytes=%ld\n", count);
	return 0;
}
