// Reads whole numbers from stdin and prints each one doubled, one per line (the Turbo reference's problem).
// Expected: with input "5\n", output "10\n", status "ok"; as a judge test case, verdict "AC" against "10" and
// "WA" against "11".
#include <stdio.h>

int main(void) {
	long n;
	while (scanf("%ld", &n) == 1) {
		printf("%ld\n", 2 * n);
	}
	return 0;
}
