// Attack: counts the processes it can see and signals every pid it can name, the sandbox's pid 1 included.
// Expected: "visible_pids=2" (the sandbox helper and itself), "killed_others=0", "alive"; the server survives.
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(void) {
	int visible = 0;
	DIR *proc = opendir("/proc");
	for (struct dirent *entry; proc && (entry = readdir(proc));) {
		if (atoi(entry->d_name) > 0) {
			visible++;
		}
	}
	if (proc) {
		closedir(proc);
	}
	printf("visible_pids=%d\n", visible);
	fflush(stdout);

	int killed = 0;
	for (pid_t pid = 2; pid < 65536; pid++) {
		if (pid != getpid() && kill(pid, SIGKILL) == 0) {
			killed++;
		}
	}
	// The pid namespace's init ignores signals it has no handler for, SIGKILL included, when sent from inside.
	kill(1, SIGKILL);
	kill(-1, SIGKILL);
	printf("killed_others=%d\n", killed);
	printf("alive\n");
	return 0;
}
