// Reads a number and rejects it by exiting with status 3, printing a reason on stderr first.
// Expected: status "runtime_error", exit_code 3; as a judge test case, verdict "RE" with exit_code 3 and the
// reason in "error".
#include <stdio.h>
#include <stdlib.h>

int main(void) {
	int n = 0;
	if (scanf("%d", &n) != 1 || n < 0) {
		fprintf(stderr, "bad input\n");
		exit(3);
	}
	printf("%d\n", n);
	return 0;
}
