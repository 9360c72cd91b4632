// Attack: fills the job directory with files, each below the file-size limit, until the disk cap stops it.
// SIGXFSZ is ignored so that a write past a limit fails with an error instead of killing the program.
// Expected: "disk: stopped after N bytes (ENOSPC)" with N at most the disk limit; status "ok".
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void) {
	static char chunk[64 * 1024];
	memset(chunk, 'x', sizeof chunk);
	signal(SIGXFSZ, SIG_IGN);
	long long total = 0;
	for (int file = 0; file < 100000; file++) {
		char name[32];
		snprintf(name, sizeof name, "fill-%d", file);
		int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0) {
			printf("disk: stopped after %lld bytes (%s)\n", total, errno == ENOSPC ? "ENOSPC" : strerror(errno));
			return 0;
		}
		// 512 KiB per file: below any sane file-size limit, so only the disk cap can stop the loop.
		for (int i = 0; i < 8; i++) {
			ssize_t written = write(fd, chunk, sizeof chunk);
			if (written < 0) {
				printf("disk: stopped after %lld bytes (%s)\n", total, errno == ENOSPC ? "ENOSPC" : errno == EFBIG ? "EFBIG" : strerror(errno));
				close(fd);
				return 0;
			}
			total += written;
		}
		close(fd);
	}
	printf("disk: wrote %lld bytes without a limit: ESCAPED\n", total);
	return 0;
}
