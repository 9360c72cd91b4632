// Attack: allocates and touches memory 1 MiB at a time until allocation fails.
// Expected: status "memory_limit", stopped_by "memory", memory_kb at least the memory limit.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
	size_t mib = 0;
	for (;;) {
		char *block = malloc(1 << 20);
		if (block == NULL) {
			printf("allocation failed after %zu MiB\n", mib);
			return 1;
		}
		memset(block, 1, 1 << 20);
		mib++;
	}
}
