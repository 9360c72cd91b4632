// Reserves 70 MiB of address space it never makes usable (PROT_NONE), as glibc does for each thread's malloc arena
// (64 MiB a thread: four threads at a memory limit of 148 MiB took a program of 2 MiB past it), waits 50 ms (the
// sandbox samples every 5 ms), prints its address space (VmSize), then fails with exit 1: a plain runtime error.
// At the test limits (64 MiB of memory; RLIMIT_AS allows 80) its address space lies past the memory limit, but none
// of that is memory it could use.
// Expected: status "runtime_error", exit_code 1, stopped_by null: the sandbox's memory rule counts the data and
// stacks a process mapped (VmData + VmStk), not reservations.
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(void) {
	void *reserved = mmap(NULL, 70u << 20, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (reserved == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	usleep(50 * 1000);
	FILE *status = fopen("/proc/self/status", "r");
	char line[256];
	while (status != NULL && fgets(line, sizeof line, status) != NULL) {
		if (strncmp(line, "VmSize:", 7) == 0) {
			fputs(line, stdout);
		}
	}
	return 1;
}
