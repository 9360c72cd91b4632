// Attack: looks for the server's environment in its own environment and in every /proc/<pid>/environ it can read.
// The tests start the server with C_RUNNER_CANARY=server-secret-canary.
// Expected: "canary: absent"; status "ok".
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

static int contains_canary(const char *text, size_t length) {
	const char *needles[] = {"server-secret-canary", "C_RUNNER"};
	for (size_t n = 0; n < 2; n++) {
		size_t needle = strlen(needles[n]);
		for (size_t i = 0; i + needle <= length; i++) {
			if (memcmp(text + i, needles[n], needle) == 0) {
				return 1;
			}
		}
	}
	return 0;
}

int main(void) {
	int found = 0;
	for (char **variable = environ; *variable; variable++) {
		if (contains_canary(*variable, strlen(*variable))) {
			printf("canary: FOUND in own environment\n");
			found = 1;
		}
	}

	DIR *proc = opendir("/proc");
	for (struct dirent *entry; proc && (entry = readdir(proc));) {
		if (atoi(entry->d_name) <= 0) {
			continue;
		}
		char path[300];
		snprintf(path, sizeof path, "/proc/%s/environ", entry->d_name);
		FILE *fp = fopen(path, "r");
		if (fp == NULL) {
			continue;
		}
		char buffer[65536];
		size_t length = fread(buffer, 1, sizeof buffer, fp);
		fclose(fp);
		if (contains_canary(buffer, length)) {
			printf("canary: FOUND in %s\n", path);
			found = 1;
		}
	}
	if (proc) {
		closedir(proc);
	}
	if (!found) {
		printf("canary: absent\n");
	}
	return 0;
}
