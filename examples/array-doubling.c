// A growing array as C++'s std::vector grows one: each time it is full, a new block twice its size is allocated, the
// old contents copied into it and the old block freed, so a step from N to 2N MiB needs 3N MiB of address space at
// once. It grows to 128 MiB, using every element, and aborts when an allocation fails (as std::bad_alloc does).
// Expected: at memory_limit_mb 32, status "memory_limit" (a judge's MLE) where there is a job cgroup (a root server):
// the address space may reach twice the limit there, so the step from 16 to 32 MiB is allocated and the copy reaches
// the cgroup's limit. On an unprivileged server, whose address space is capped at the limit plus 16 MiB, that step
// is refused while the program holds 16 MiB: its own abort, "signalled" SIGABRT (a judge's RE), as /health says.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
	size_t capacity = 1 << 18, size = 0;
	int *items = malloc(capacity * sizeof *items);
	while (items != NULL && capacity * sizeof *items < ((size_t)128 << 20)) {
		for (; size < capacity; size++)
			items[size] = (int)size;
		int *grown = malloc(2 * capacity * sizeof *items);
		if (grown == NULL) {
			fprintf(stderr, "allocation of %zu MiB failed\n", (2 * capacity * sizeof *items) >> 20);
			abort();
		}
		memcpy(grown, items, size * sizeof *items);
		free(items);
		items = grown;
		capacity *= 2;
	}
	long long sum = 0;
	for (size_t i = 0; i < size; i++)
		sum += items[i];
	printf("%lld\n", sum);
	return 0;
}
