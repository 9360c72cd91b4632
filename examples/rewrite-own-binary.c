// Tries to change the compiled program that a compile cache may hand to the next request: opens its own binary
// (argv[0], /tmp/c_exec_<uuid>/source) for writing and writes over it, then tries to replace it by renaming a new
// file onto its name. Prints one line per attempt ("open: <errno name>", "rename: <errno name>" or "... done").
// Expected: every attempt fails (the binary is bound read-only into the run sandbox: EROFS, or ETXTBSY
// while it runs; the job directory is a private tmpfs, so even a rename that worked would end with the job), and
// a second request with the same source, served from the compile cache, prints the same lines.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *name_of(int error) {
	switch (error) {
	case EROFS: return "EROFS";
	case ETXTBSY: return "ETXTBSY";
	case EACCES: return "EACCES";
	case EPERM: return "EPERM";
	case EBUSY: return "EBUSY";
	default: return strerror(error);
	}
}

int main(int argc, char *argv[]) {
	(void)argc;
	int fd = open(argv[0], O_WRONLY | O_TRUNC);
	if (fd < 0) {
		printf("open: %s\n", name_of(errno));
	} else {
		ssize_t written = write(fd, "garbage", 7);
		printf("open: done (%zd bytes written)\n", written);
		close(fd);
	}

	char replacement[4096];
	snprintf(replacement, sizeof replacement, "%s.new", argv[0]);
	int made = open(replacement, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	if (made >= 0) {
		close(made);
	}
	if (rename(replacement, argv[0]) != 0) {
		printf("rename: %s\n", name_of(errno));
	} else {
		printf("rename: done\n");
	}

	puts("still the compiled program");
	return 0;
}
