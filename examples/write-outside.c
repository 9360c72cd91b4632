// Attack: tries to create files everywhere but the job directory and /tmp.
// Expected: every outside path "blocked", then "cwd: ok" and "tmp: ok"; no "ESCAPED"; status "ok".
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int try_create(const char *path) {
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		return -errno;
	}
	int ok = write(fd, "x", 1) == 1;
	close(fd);
	return ok ? 0 : -EIO;
}

int main(void) {
	const char *outside[] = {
		"/escape", "/usr/lib/escape", "/etc/escape", "/home/escape", "/root/escape", "/run/c-runner/escape",
		"/dev/escape", "/dev/shm/escape", "/proc/escape", "/proc/sys/kernel/hostname", "/run/c-runner/sandbox",
	};
	for (size_t i = 0; i < sizeof outside / sizeof outside[0]; i++) {
		int result = try_create(outside[i]);
		if (result == 0) {
			printf("%s: ESCAPED\n", outside[i]);
		} else {
			printf("%s: blocked (%s)\n", outside[i], strerror(-result));
		}
	}
	printf("cwd: %s\n", try_create("inside") == 0 ? "ok" : "failed");
	printf("tmp: %s\n", try_create("/tmp/inside") == 0 ? "ok" : "failed");
	return 0;
}
