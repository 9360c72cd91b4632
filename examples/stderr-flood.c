// Attack: writes to stderr forever.
// Expected: status "output_limit", truncated true, error exactly the output cap long.
#include <stdio.h>

int main(void) {
	for (;;) {
		fputs("flooding stderr with a line of text\n", stderr);
	}
}
