// Looks for /proc in the sandbox and tries to read the server's process details through it.
// Expected: with the strongest policy, "proc: private" (only the sandbox's own processes are listed); with the
// no-/proc policy a container may force, "proc: absent"; never a process of the host. Status "ok".
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>

int main(void) {
	DIR *proc = opendir("/proc");
	if (proc == NULL) {
		printf("proc: absent\n");
		return 0;
	}
	int processes = 0;
	for (struct dirent *entry; (entry = readdir(proc)) != NULL;) {
		if (atoi(entry->d_name) > 0) {
			processes++;
		}
	}
	closedir(proc);
	printf("proc: private, %d processes\n", processes);
	return 0;
}
