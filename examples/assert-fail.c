// A failed assert(), the most common crash in student code: assert prints its message to stderr and calls abort().
// Expected: status "signalled", signal "SIGABRT" (never its alias SIGIOT), exit_code -6, error holds
// "Assertion `n > 0' failed."; as a judge test case: verdict "RE".
#include <assert.h>
#include <stdio.h>

int main(void) {
	int n = 0;
	if (scanf("%d", &n) != 1) {
		n = 0;
	}
	assert(n > 0);
	printf("%d\n", n);
	return 0;
}
