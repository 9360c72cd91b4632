// Copies stdin to stdout and counts the bytes; without a "stdin" field the program reads EOF at once.
// Expected: with stdin "a\nb\n": "a\nb\nbytes=4\n"; without: "bytes=0\n".
#include <stdio.h>

int main(void) {
	long bytes = 0;
	int c;
	while ((c = getchar()) != EOF) {
		putchar(c);
		bytes++;
	}
	printf("bytes=%ld\n", bytes);
	return 0;
}
