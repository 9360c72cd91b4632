// Attack: stdin is a file bound into the sandbox at /run/c-runner/stdin; tries to write it (to change what a later
// read, or a later job, sees), to replace it, and reads it through descriptor 0 twice (a rewind).
// Expected: "stdin: regular <size of the stdin field> bytes" (or "stdin: not a regular file" without a stdin field:
// /dev/null), then the same text twice, then "write: refused" and "unlink: refused" — the same under every policy,
// in a sandbox made ahead or a new one.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

static void read_all(void) {
	char buffer[256];
	ssize_t got;
	while ((got = read(0, buffer, sizeof buffer)) > 0) {
		fwrite(buffer, 1, (size_t)got, stdout);
	}
	printf("|\n");
}

int main(void) {
	struct stat st;
	if (fstat(0, &st) == 0 && S_ISREG(st.st_mode)) {
		printf("stdin: regular %lld bytes\n", (long long)st.st_size);
		read_all();
		printf("rewind: %s\n", lseek(0, 0, SEEK_SET) == 0 ? "ok" : "failed");
		read_all();
	} else {
		printf("stdin: not a regular file\n");
	}
	int fd = open("/run/c-runner/stdin", O_WRONLY | O_TRUNC);
	printf("write: %s\n", fd < 0 ? "refused" : "allowed");
	printf("unlink: %s\n", unlink("/run/c-runner/stdin") != 0 && rename("/run/c-runner/stdin", "/tmp/x") != 0 ? "refused" : "allowed");
	return 0;
}
