// The fast-input idiom of competitive programming: stdin mapped into memory, not read, then summed byte by byte.
// Its pages are the page cache's (the server wrote the stdin file), resident in the program but not charged to it.
// Expected: with job cgroups (a root server), at memory_limit_mb 2 with 1 MiB of stdin: status "ok", "sum <n>"; the
// mapped input is not taken for memory the program holds. (The helper backend, counting resident pages, may say
// "memory_limit".)
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>

int main(void) {
	struct stat st;
	if (fstat(0, &st) != 0 || st.st_size == 0) {
		puts("no stdin");
		return 1;
	}
	const unsigned char *data = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, 0, 0);
	if (data == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	unsigned long sum = 0;
	for (off_t i = 0; i < st.st_size; i++) {
		sum += data[i];
	}
	printf("sum %lu\n", sum);
	return 0;
}
