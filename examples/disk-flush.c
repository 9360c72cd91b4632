// Attack: asks the host's disk to flush its write cache, as often as it can for 300 ms of wall time: sync, syncfs, fsync and
// fdatasync on a descriptor of the host's read-only /usr/lib (the job's own files are on tmpfs, where a flush does
// nothing). Unfiltered, each call is a cache flush of the host's disk: over ten thousand a second, slowing every
// writer on the host. (300 ms of wall time stays under the 1 s CPU limit of the tests however idle the machine.)
// Expected: status "ok", "failures 0": every call answered as done by the syscall filter, without the call (the
// host's disk counts no flush of this job's).
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(void) {
	int fd = open("/usr/lib", O_RDONLY | O_DIRECTORY);
	if (fd < 0) {
		perror("open /usr/lib");
		return 1;
	}
	long calls = 0, failures = 0;
	double end = now() + 0.3;
	while (now() < end) {
		sync();
		failures += (syncfs(fd) != 0) + (fsync(fd) != 0) + (fdatasync(fd) != 0);
		calls += 4;
	}
	printf("calls %ld failures %ld\n", calls, failures);
	return 0;
}
