// Reads the sandbox's privileges from the inside and tries to gain more.
// Expected: every Cap* set 0000000000000000, NoNewPrivs 1, a uid_map of exactly one unprivileged uid,
// every attempt "blocked", no "ESCAPED"; status "ok".
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

static void attempt(const char *what, int result) {
	if (result == 0) {
		printf("%s: ESCAPED\n", what);
	} else {
		printf("%s: blocked (%s)\n", what, strerror(errno));
	}
}

int main(void) {
	FILE *status = fopen("/proc/self/status", "r");
	char line[256];
	while (status && fgets(line, sizeof line, status)) {
		if (strncmp(line, "Cap", 3) == 0 || strncmp(line, "NoNewPrivs", 10) == 0 || strncmp(line, "Seccomp:", 8) == 0) {
			fputs(line, stdout);
		}
	}
	if (status) {
		fclose(status);
	}

	FILE *map = fopen("/proc/self/uid_map", "r");
	unsigned inside, outside, count;
	if (map && fscanf(map, "%u %u %u", &inside, &outside, &count) == 3) {
		printf("uid_map: %u %u %u\n", inside, outside, count);
	}
	if (map) {
		fclose(map);
	}

	attempt("setuid(0)", setuid(0));
	attempt("unshare(CLONE_NEWUSER)", unshare(CLONE_NEWUSER));
	attempt("unshare(CLONE_NEWNS)", unshare(CLONE_NEWNS));
	attempt("mount tmpfs", mount("none", "/tmp", "tmpfs", 0, NULL));
	attempt("chroot", chroot("/tmp"));
	attempt("sethostname", sethostname("escaped", 7));
	return 0;
}
