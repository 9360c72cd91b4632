// An ordinary multi-process program: three forked workers send their results back through pipes and are waited
// for; then the program re-runs itself with posix_spawn (glibc's clone(CLONE_VM | CLONE_VFORK) path, after the
// filter's ENOSYS for clone3) and reads the child's answer through a pipe.
// Expected: "worker 0: 0\nworker 1: 1\nworker 2: 4\nexit codes: 0 0 0\nspawned child says: hello from the child\n
// spawned child exit: 7\n", status "ok".
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv) {
	if (argc == 2 && strcmp(argv[1], "child") == 0) {
		fputs("hello from the child", stdout);
		return 7;
	}
	int codes[3];
	for (int i = 0; i < 3; i++) {
		int fds[2];
		if (pipe(fds) != 0) {
			perror("pipe");
			return 1;
		}
		pid_t pid = fork();
		if (pid == 0) {
			close(fds[0]);
			int square = i * i;
			_exit(write(fds[1], &square, sizeof square) == sizeof square ? 0 : 1);
		}
		close(fds[1]);
		int value = -1;
		if (read(fds[0], &value, sizeof value) != sizeof value) {
			perror("read");
		}
		close(fds[0]);
		int status = 0;
		waitpid(pid, &status, 0);
		codes[i] = WEXITSTATUS(status);
		printf("worker %d: %d\n", i, value);
	}
	printf("exit codes: %d %d %d\n", codes[0], codes[1], codes[2]);

	int out[2];
	if (pipe(out) != 0) {
		perror("pipe");
		return 1;
	}
	posix_spawn_file_actions_t actions;
	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_adddup2(&actions, out[1], 1);
	posix_spawn_file_actions_addclose(&actions, out[0]);
	char *child_argv[] = {argv[0], "child", NULL};
	pid_t child;
	int error = posix_spawn(&child, argv[0], &actions, NULL, child_argv, environ);
	if (error != 0) {
		printf("posix_spawn: %s\n", strerror(error));
		return 1;
	}
	close(out[1]);
	char said[64] = "";
	ssize_t length = read(out[0], said, sizeof said - 1);
	said[length > 0 ? length : 0] = '\0';
	int status = 0;
	waitpid(child, &status, 0);
	printf("spawned child says: %s\nspawned child exit: %d\n", said, WEXITSTATUS(status));
	return 0;
}
