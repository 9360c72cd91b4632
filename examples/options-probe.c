// Prints what the compiler was asked for: the C standard and whether optimisation was on.
// Expected: "std=201710 optimized" with the defaults (gnu17, -O2); "std=199901 plain" with std c99 and optimize 0.
#include <stdio.h>

int main(void) {
#ifdef __OPTIMIZE__
	const char *level = "optimized";
#else
	const char *level = "plain";
#endif
	printf("std=%ld %s\n", (long)__STDC_VERSION__, level);
	return 0;
}
