// Writes through a NULL pointer (the 004 reference).
// Expected: status "signalled", signal "SIGSEGV", exit_code -11.
#include <stdio.h>

int main(void) {
	volatile int *p = NULL;  // volatile: -O2 may not drop the store
	*p = 5;
	return 0;
}
