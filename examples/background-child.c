// Attack: leaves a daemonised grandchild behind (double fork, setsid, signals ignored) and exits at once.
// Expected: output "main done\n", status "ok", the job returns promptly and no process of it survives.
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

int main(void) {
	if (fork() == 0) {
		setsid();
		if (fork() == 0) {
			signal(SIGHUP, SIG_IGN);
			signal(SIGTERM, SIG_IGN);
			fclose(stdout);
			fclose(stderr);
			for (;;) {
				sleep(1);
			}
		}
		_exit(0);
	}
	printf("main done\n");
	return 0;
}
