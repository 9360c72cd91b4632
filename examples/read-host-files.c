// Attack: tries to read host files and directories at run time.
// Expected: every line "<path>: blocked (<reason>)", none "LEAKED"; status "ok".
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>

static void probe(const char *path) {
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		printf("%s: blocked (%s)\n", path, strerror(errno));
		return;
	}
	char byte;
	ssize_t got = read(fd, &byte, 1);
	// An empty read of a directory still proves it exists on the host.
	printf("%s: LEAKED (%s)\n", path, got >= 0 ? "readable" : "exists");
	close(fd);
}

int main(void) {
	const char *paths[] = {
		"/etc/shadow", "/etc/passwd", "/etc/hostname", "/etc/ssh", "/root", "/home", "/work", "/var/log",
		"/usr/bin/gcc", "/usr/include/stdio.h", "/usr/local", "/usr/share", "/boot", "/sys/kernel", "/proc/1/environ",
		"/proc/1/mem", "/proc/kcore", "/run/secrets", "/run/c-runner/report",
	};
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		probe(paths[i]);
	}
	return 0;
}
