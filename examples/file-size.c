// Attack: writes one file past the file-size limit.
// Expected: killed by SIGXFSZ: status "file_size_limit", exit_code -25.
#include <stdio.h>
#include <string.h>

int main(void) {
	static char chunk[64 * 1024];
	memset(chunk, 'x', sizeof chunk);
	FILE *fp = fopen("big", "w");
	if (fp == NULL) {
		perror("big");
		return 1;
	}
	for (int i = 0; i < 1024; i++) {
		fwrite(chunk, 1, sizeof chunk, fp);
		fflush(fp);
	}
	printf("wrote 64 MiB: ESCAPED\n");
	return 0;
}
