// Reads n and prints 1/n to nine decimals: a floating-point answer that is right, but not digit for digit.
// Expected: with input "3", output "0.333333333\n"; as a judge test case against "0.333333" with "compare": "float"
// (tolerance 1e-6), verdict "AC"; with the default "trim", verdict "WA".
#include <stdio.h>

int main(void) {
	double n = 1;
	if (scanf("%lf", &n) != 1) {
		return 2;
	}
	printf("%.9f\n", 1 / n);
	return 0;
}
