// Attack: tries to reach the server, the host and the internet; lists the network interfaces.
// The sandbox has its own network namespace: a private loopback (nothing listens on it) and no other interface.
// argv[1]: the port c-runner listens on (default 5555), so a shared network would show up as "ESCAPED".
// Expected: every connect "blocked", "interfaces: lo(up)", no "ESCAPED"; status "ok".
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void try_connect(const char *ip, int port, int type) {
	const char *kind = type == SOCK_STREAM ? "connect" : "udp";
	int fd = socket(AF_INET, type, 0);
	if (fd < 0) {
		printf("%s %s:%d: blocked (socket: %s)\n", kind, ip, port, strerror(errno));
		return;
	}
	struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(port)};
	inet_pton(AF_INET, ip, &address.sin_addr);
	int result = type == SOCK_STREAM
		? connect(fd, (struct sockaddr *)&address, sizeof address)
		: (int)sendto(fd, "x", 1, 0, (struct sockaddr *)&address, sizeof address);
	if (result < 0) {
		printf("%s %s:%d: blocked (%s)\n", kind, ip, port, strerror(errno));
	} else {
		printf("%s %s:%d: ESCAPED\n", kind, ip, port);
	}
	close(fd);
}

int main(int argc, char *argv[]) {
	try_connect("127.0.0.1", argc > 1 ? atoi(argv[1]) : 5555, SOCK_STREAM);
	try_connect("10.0.2.2", 80, SOCK_STREAM);
	try_connect("1.1.1.1", 443, SOCK_STREAM);
	try_connect("8.8.8.8", 53, SOCK_DGRAM);

	struct ifaddrs *list;
	if (getifaddrs(&list) != 0) {
		printf("interfaces: unknown (%s)\n", strerror(errno));
		return 0;
	}
	printf("interfaces:");
	for (struct ifaddrs *entry = list; entry; entry = entry->ifa_next) {
		// One AF_PACKET entry per link, whether or not it has an address.
		if (entry->ifa_addr && entry->ifa_addr->sa_family == AF_PACKET) {
			printf(" %s(%s)", entry->ifa_name, entry->ifa_flags & IFF_UP ? "up" : "down");
		}
	}
	printf("\n");
	freeifaddrs(list);
	return 0;
}
