// Attack: 100 GiB of thread-local data (`__thread`), which no load segment holds: the C library allocates the initial
// thread's block before main and, refused at the address-space limit, exits 127 with "cannot allocate TLS data
// structures for initial thread".
// Expected: status "memory_limit", stopped_by "memory" (as for 100 GiB of ordinary static data), nothing printed.
#include <stdio.h>

__thread char big[100L << 30];

int main(int argc, char **argv) {
	(void)argv;
	big[argc * 12345] = 1;
	printf("%d\n", big[12345]);
	return 0;
}
