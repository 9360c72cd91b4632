// Prints the program's environment as documented in API.md.
// Expected: cwd, HOME and PWD the job directory, PATH=/usr/bin:/bin, LANG=C.UTF-8, TMPDIR=/tmp, umask=022,
// environ_count=5; status "ok".
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

int main(void) {
	char cwd[4096];
	printf("cwd=%s\n", getcwd(cwd, sizeof cwd) ? cwd : "(unknown)");
	const char *names[] = {"HOME", "PWD", "PATH", "LANG", "TMPDIR"};
	for (int i = 0; i < 5; i++) {
		const char *value = getenv(names[i]);
		printf("%s=%s\n", names[i], value ? value : "(unset)");
	}
	mode_t mask = umask(0);
	printf("umask=%03o\n", (unsigned)mask);
	printf("uid=%d gid=%d\n", (int)getuid(), (int)getgid());
	int count = 0;
	for (char **variable = environ; *variable; variable++) {
		count++;
	}
	printf("environ_count=%d\n", count);
	return 0;
}
