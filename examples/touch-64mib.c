// Allocates 64 MiB and writes to every page, so all of it is resident, then prints "done".
// Expected: with a memory limit of 128 MiB, status "ok" (verdict "AC" against "done") and memory_kb at least
// 65536: the measured peak is real.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
	size_t size = 64u << 20;
	char *block = malloc(size);
	if (block == NULL) {
		return 1;
	}
	memset(block, 7, size);
	long sum = 0;
	for (size_t i = 0; i < size; i += 4096) {
		sum += block[i];
	}
	printf("%s\n", sum > 0 ? "done" : "zero");
	return 0;
}
