// Attack: tries to leave state for the next job of the same slot, whose sandboxes were made ahead while this one
// ran: prints what it was given — its open descriptors, its environment, the processes it can see, the files of
// its working directory, /tmp and /run/c-runner (the helper, and the stdin file) — then leaves a marker in the
// first two, a process that has left its session and sleeps, and an open pipe held by that process.
// Expected: every job prints the same lines (its own job directory's name aside), the first and the next alike,
// in sandboxes made ahead or without them: descriptors 0–2 only, the clean environment, no process but itself
// and the sandbox's init, no marker.
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static void list(const char *what, const char *dir, const char *skip) {
	DIR *d = opendir(dir);
	printf("%s:", what);
	if (d == NULL) {
		printf(" (none)\n");
		return;
	}
	struct dirent *entry;
	while ((entry = readdir(d)) != NULL) {
		if (entry->d_name[0] == '.' || (skip != NULL && strcmp(entry->d_name, skip) == 0)) {
			continue;
		}
		printf(" %s", entry->d_name);
	}
	printf("\n");
	closedir(d);
}

int main(void) {
	char cwd[4096];
	printf("cwd: %s\n", getcwd(cwd, sizeof cwd) == NULL ? "?" : cwd);
	// Descriptors: opendir's own is left out by number.
	DIR *fds = opendir("/proc/self/fd");
	printf("descriptors:");
	if (fds != NULL) {
		struct dirent *entry;
		while ((entry = readdir(fds)) != NULL) {
			if (entry->d_name[0] != '.' && atoi(entry->d_name) != dirfd(fds)) {
				printf(" %s", entry->d_name);
			}
		}
		closedir(fds);
	}
	printf("\n");
	printf("environment:");
	for (char **variable = environ; *variable != NULL; variable++) {
		printf(" %s", *variable);
	}
	printf("\n");
	char self[16];
	snprintf(self, sizeof self, "%d", (int)getpid());
	// /proc's directories that are numbers are processes; the rest (self, sys, ...) are left to the list's reader.
	DIR *proc = opendir("/proc");
	printf("processes:");
	if (proc != NULL) {
		struct dirent *entry;
		while ((entry = readdir(proc)) != NULL) {
			if (atoi(entry->d_name) > 0 && strcmp(entry->d_name, self) != 0) {
				printf(" %s", entry->d_name);
			}
		}
		closedir(proc);
	}
	printf(" (and itself)\n");
	list("working directory", ".", "source");
	list("/tmp", "/tmp", NULL);
	list("/run/c-runner", "/run/c-runner", NULL);
	fflush(stdout);

	const char *markers[] = {"marker", "/tmp/marker"};
	for (int i = 0; i < 2; i++) {
		FILE *marker = fopen(markers[i], "w");
		if (marker != NULL) {
			fclose(marker);
		}
	}
	int pipefd[2];
	if (pipe(pipefd) == 0 && fork() == 0) {
		setsid();
		close(1);
		close(2);
		sleep(30);
		_exit(0);
	}
	return 0;
}
