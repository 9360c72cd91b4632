// Attack: opens files until the open-files limit stops it.
// Expected: "open_files=N (EMFILE)" with N below the limit; status "ok".
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

int main(void) {
	int opened = 0;
	for (; opened < 1000000; opened++) {
		if (open("/dev/null", O_RDONLY) < 0) {
			printf("open_files=%d (%s)\n", opened, errno == EMFILE ? "EMFILE" : strerror(errno));
			return 0;
		}
	}
	printf("open_files=%d (no limit: ESCAPED)\n", opened);
	return 0;
}
