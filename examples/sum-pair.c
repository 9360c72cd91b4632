// A problem with more than one right answer: reads N and prints two whole numbers that add up to N. This answer,
// "1 N-1", is right but not the one a problem setter would write down ("0 N", say).
// Expected: with input "10", output "1 9\n"; as a judge test case with checker-sum-pair.c as the checker, verdict
// "AC" whatever the expected output says; with a plain comparison against "0 10", verdict "WA".
#include <stdio.h>

int main(void) {
	long n = 0;
	if (scanf("%ld", &n) != 1) {
		return 2;
	}
	printf("%ld %ld\n", 1L, n - 1);
	return 0;
}
