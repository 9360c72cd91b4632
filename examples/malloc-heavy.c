// An ordinary allocation-heavy program: 100,000 malloc/realloc/free of mixed sizes (small bins, large mmap'd
// blocks above glibc's 128 KiB threshold), every byte written and checked, then a checksum of what is kept.
// Expected: "allocations=100000 live=1024 checksum=<the same number every run> errors=0\n", status "ok".
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 1024
#define ROUNDS 100000

static uint32_t state = 12345;
static uint32_t next(void) {
	state = state * 1103515245u + 12345u;
	return state >> 8;
}

int main(void) {
	unsigned char *slots[SLOTS] = {0};
	size_t sizes[SLOTS] = {0};
	long errors = 0;
	for (int round = 0; round < ROUNDS; round++) {
		int slot = (int)(next() % SLOTS);
		size_t size = next() % 256 == 0 ? 200000 + next() % 300000 : 1 + next() % 2000;
		if (slots[slot] != NULL) {
			for (size_t i = 0; i < sizes[slot]; i += 97) {
				errors += slots[slot][i] != (unsigned char)(slot + i);
			}
		}
		unsigned char *block = next() % 2 ? realloc(slots[slot], size) : (free(slots[slot]), malloc(size));
		if (block == NULL) {
			printf("allocation of %zu failed\n", size);
			return 1;
		}
		for (size_t i = 0; i < size; i++) {
			block[i] = (unsigned char)(slot + i);
		}
		slots[slot] = block;
		sizes[slot] = size;
	}
	unsigned long long checksum = 0;
	int live = 0;
	for (int slot = 0; slot < SLOTS; slot++) {
		if (slots[slot] != NULL) {
			live++;
			for (size_t i = 0; i < sizes[slot]; i++) {
				checksum = checksum * 31 + slots[slot][i];
			}
			free(slots[slot]);
		}
	}
	printf("allocations=%d live=%d checksum=%llu errors=%ld\n", ROUNDS, live, checksum, errors);
	return 0;
}
