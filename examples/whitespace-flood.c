// Attack on the judge's comparison: reads a number of KiB from stdin and writes that many KiB of spaces, then one
// newline. A comparison that backtracks over trailing whitespace (a regex like / +$/) takes quadratic time on it and
// stalls the whole server.
// Expected: with input "4096", 4 MiB of spaces: past the default 1 MiB output cap (status "output_limit", verdict
// "OLE"); on a server whose C_RUNNER_OUTPUT_BYTES holds it (its test's 8 MiB), as a judge test case against ""
// (compare "trim"), verdict "AC", answered in linear time while other requests are answered promptly.
#include <stdio.h>
#include <string.h>

int main(void) {
	long kib = 0;
	if (scanf("%ld", &kib) != 1) {
		return 2;
	}
	static char spaces[1024];
	memset(spaces, ' ', sizeof spaces);
	for (long i = 0; i < kib; i++) {
		fwrite(spaces, 1, sizeof spaces, stdout);
	}
	putchar('\n');
	return 0;
}
