// Attack: holds memory in memfds (anonymous files), which no address-space limit counts: writes COUNT memfds of
// MIB each (argv; default 8 × 64 MiB = 512 MiB), keeps them open, reads them back and prints a checksum.
// Expected: by request (memory_limit_mb 64, the server's other limits at their defaults):
// - default arguments: each memfd is a file, so RLIMIT_FSIZE (C_RUNNER_RUN_FILE_SIZE_MB, 16 MiB) stops the first
//   write past 16 MiB, under either accounting backend: status "file_size_limit", exit_code -25, signal "SIGXFSZ".
// - args "16 8" (16 × 8 MiB = 128 MiB, each memfd under the file-size limit), or the default arguments on a server
//   whose C_RUNNER_RUN_FILE_SIZE_MB is at least 64: with job cgroups (a root server), status "memory_limit" (memfd
//   pages are charged to the job), memory_kb at the limit (at most a few pages over); under the helper backend the pages are not limited
//   by a total (only RLIMIT_FSIZE per memfd and RLIMIT_NOFILE): status "ok", "held 128 MiB in memfds" (or 512), as
//   /health says.
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv) {
	int count = argc > 1 ? atoi(argv[1]) : 8;
	int mib = argc > 2 ? atoi(argv[2]) : 64;
	static char chunk[1 << 20];
	int fds[256];
	for (int i = 0; i < count && i < 256; i++) {
		fds[i] = memfd_create("hold", 0);
		if (fds[i] < 0) {
			perror("memfd_create");
			return 1;
		}
		for (int m = 0; m < mib; m++) {
			memset(chunk, 'a' + (i + m) % 26, sizeof chunk);
			if (write(fds[i], chunk, sizeof chunk) != (ssize_t)sizeof chunk) {
				perror("write");
				return 1;
			}
		}
	}
	unsigned long sum = 0;
	for (int i = 0; i < count && i < 256; i++) {
		for (int m = 0; m < mib; m++) {
			if (pread(fds[i], chunk, sizeof chunk, (off_t)m << 20) != (ssize_t)sizeof chunk)
				return 1;
			sum += (unsigned char)chunk[m % sizeof chunk];
		}
	}
	printf("held %d MiB in memfds, checksum %lu\n", count * mib, sum);
	return 0;
}
