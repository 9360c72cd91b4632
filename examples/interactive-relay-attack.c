// Attack (interactive): the pseudo-terminal relay is the program's parent and runs as the same uid. The program
// tries to take it over — ptrace it, read its memory, open its descriptors (the pipes to the server) — to forge
// what the client sees, then to inject input into its own terminal with TIOCSTI.
// Expected: (interactive): "ptrace refused", "mem refused", "fd refused"; TIOCSTI may work or be refused, but only
// reaches the program's own input; exit "ok".
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <unistd.h>

static void try_open(const char *what, const char *path) {
	int fd = open(path, O_RDWR);
	printf("%s %s\n", what, fd < 0 ? "refused" : "OPENED");
	if (fd >= 0)
		close(fd);
}

int main(void) {
	pid_t relay = getppid();
	char path[64];
	printf("ptrace %s\n", ptrace(PTRACE_ATTACH, relay, NULL, NULL) == 0 ? "ATTACHED" : "refused");
	snprintf(path, sizeof path, "/proc/%d/mem", (int)relay);
	try_open("mem", path);
	snprintf(path, sizeof path, "/proc/%d/fd/1", (int)relay);
	try_open("fd", path);
	char c = 'x';
	int injected = ioctl(0, TIOCSTI, &c) == 0;
	printf("tiocsti %s\n", injected ? "own input only" : "refused");
	return 0;
}
