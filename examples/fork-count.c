// Attack: forks sleeping children until fork fails, then reports how many it got.
// The sleeping children are still there when main returns: the sandbox must kill them.
// Expected: "forks=N (EAGAIN)" with N below the process limit; status "ok"; no process left.
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void) {
	int forks = 0;
	for (;;) {
		pid_t pid = fork();
		if (pid == 0) {
			pause();
			_exit(0);
		}
		if (pid < 0) {
			printf("forks=%d (%s)\n", forks, errno == EAGAIN ? "EAGAIN" : strerror(errno));
			break;
		}
		forks++;
		if (forks > 100000) {
			printf("forks=%d (no limit: ESCAPED)\n", forks);
			break;
		}
	}
	return 0;
}
