// A judge's checker program for sum-pair.c: run as `checker <input> <expected> <actual>` (three files), it accepts
// any two whole numbers that add up to the N of the input. Exit 0 accepts, exit 1 rejects; what it prints is the
// message shown as `checker_message`.
// Expected: for input "10", actual "1 9": exit 0 ("ok: 1 + 9 = 10"); actual "2 9": exit 1 ("2 + 9 = 11, not 10").
#include <stdio.h>

int main(int argc, char *argv[]) {
	if (argc != 4) {
		printf("usage: checker input expected actual\n");
		return 2;
	}
	FILE *input = fopen(argv[1], "r");
	FILE *actual = fopen(argv[3], "r");
	long n, a, b;
	if (input == NULL || actual == NULL || fscanf(input, "%ld", &n) != 1) {
		printf("cannot read the test case\n");
		return 2;
	}
	if (fscanf(actual, "%ld %ld", &a, &b) != 2) {
		printf("expected two whole numbers\n");
		return 1;
	}
	if (a + b != n) {
		printf("%ld + %ld = %ld, not %ld\n", a, b, a + b, n);
		return 1;
	}
	printf("ok: %ld + %ld = %ld\n", a, b, n);
	return 0;
}
