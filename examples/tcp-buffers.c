// Attack: holds memory in TCP socket buffers, which cgroup v1 counts apart from the rest of a job's memory: four
// processes each open 14 loopback connections (to a listener of their own, on the sandbox's private loopback) and
// write to each, never reading, until the kernel will queue no more; prints how much was queued in all.
// Expected: with job cgroups (a root server), at memory_limit_mb 32, "queued: under 64 MiB" and status "ok": the
// job cgroup's TCP buffer limit (memory.kmem.tcp.limit_in_bytes, the memory limit) stops the queues growing (without
// it they held some 200 MiB of the host's memory here); under the helper backend it is not limited (as /health
// says) and the program prints what it managed.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

enum { PROCESSES = 4, CONNECTIONS = 14 };

static long long queue_all(void) {
	int listener = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in address = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t length = sizeof address;
	if (listener < 0 || bind(listener, (struct sockaddr *)&address, sizeof address) != 0 || listen(listener, CONNECTIONS) != 0
		|| getsockname(listener, (struct sockaddr *)&address, &length) != 0) {
		return -1;
	}
	int clients[CONNECTIONS];
	for (int i = 0; i < CONNECTIONS; i++) {
		clients[i] = socket(AF_INET, SOCK_STREAM, 0);
		if (clients[i] < 0 || connect(clients[i], (struct sockaddr *)&address, sizeof address) != 0 || accept(listener, NULL, NULL) < 0) {
			return -1;
		}
		fcntl(clients[i], F_SETFL, O_NONBLOCK);
	}
	static char block[65536];
	memset(block, 'x', sizeof block);
	long long queued = 0;
	for (int round = 0; round < 4; round++) {
		for (int i = 0; i < CONNECTIONS; i++) {
			ssize_t written;
			while ((written = write(clients[i], block, sizeof block)) > 0) {
				queued += written;
			}
		}
		usleep(50000); // the kernel grows the buffers as the queues fill: try again
	}
	return queued;
}

int main(void) {
	int pipes[2];
	if (pipe(pipes) != 0) {
		return 1;
	}
	for (int p = 0; p < PROCESSES; p++) {
		if (fork() == 0) {
			long long queued = queue_all();
			write(pipes[1], &queued, sizeof queued);
			sleep(1); // hold the queues until every process has written its own
			_exit(0);
		}
	}
	long long total = 0;
	for (int p = 0; p < PROCESSES; p++) {
		long long queued = 0;
		read(pipes[0], &queued, sizeof queued);
		total += queued > 0 ? queued : 0;
	}
	while (wait(NULL) > 0) {
	}
	printf("queued: %s %lld MiB\n", total < 64LL << 20 ? "under 64 MiB:" : "64 MiB or more:", total >> 20);
	return 0;
}
