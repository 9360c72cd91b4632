// Attack: spreads memory over processes, each under the per-process limit. argv: the number of children and the
// MiB each one touches (default 4 × 56 MiB); all hold their memory at once, then the parent prints the total.
// Expected: against a 64 MiB memory limit, with job cgroups (a root server), status "memory_limit" (the helper
// ends the job when a child waits for memory at the job's limit) and memory_kb at most the limit; under the helper
// backend (an unprivileged server) the total is not limited: status "ok" and memory_kb about one child's share, as
// /health says.
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
	int children = argc > 1 ? atoi(argv[1]) : 4;
	size_t mib = argc > 2 ? (size_t)atoi(argv[2]) : 56;
	int ready[2], hold[2];
	if (pipe(ready) != 0 || pipe(hold) != 0)
		return 2;
	for (int i = 0; i < children; i++) {
		if (fork() == 0) {
			close(hold[1]);
			volatile char *block = malloc(mib << 20);
			if (block == NULL)
				_exit(3);
			for (size_t at = 0; at < mib << 20; at += 4096)
				block[at] = (char)(at >> 12);
			if (write(ready[1], "x", 1) != 1)
				_exit(4);
			char c;
			(void)read(hold[0], &c, 1); /* holds until the parent has seen every child ready */
			unsigned sum = 0;
			for (size_t at = 0; at < mib << 20; at += 4096)
				sum += (unsigned char)block[at];
			_exit(sum == 0xffffffff ? 5 : 0);
		}
	}
	close(hold[0]);
	close(ready[1]);
	int held = 0, failed = 0, status;
	char c;
	/* Every child ready, or one gone: the others still hold the pipe open, so its end shows only in waitpid. */
	while (held < children) {
		struct pollfd wait_ready = {ready[0], POLLIN, 0};
		if (poll(&wait_ready, 1, 50) == 1 && read(ready[0], &c, 1) == 1)
			held++;
		else if (waitpid(-1, &status, WNOHANG) > 0) {
			failed++; /* a child that ends before it is ready has failed */
			break;
		}
	}
	close(hold[1]);
	while (wait(&status) > 0)
		failed += !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	printf("%d children held %zu MiB at once, %d failed\n", held, (size_t)held * mib, failed);
	return failed == 0 ? 0 : 1;
}
