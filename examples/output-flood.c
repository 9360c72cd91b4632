// Attack: writes to stdout forever.
// Expected: status "output_limit", truncated true, exit_code -9, output exactly the output cap long.
#include <stdio.h>

int main(void) {
	for (;;) {
		fputs("flooding stdout with a line of text\n", stdout);
	}
}
