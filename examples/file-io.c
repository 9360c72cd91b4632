// Writes a file in the working directory (the job directory) and reads it back (the 004 reference).
// Expected: "File contents:\nHello, File I/O!\nLine 2\n", exit_code 0.
#include <stdio.h>

int main(void) {
	FILE *fp = fopen("test.txt", "w");
	if (fp) {
		fprintf(fp, "Hello, File I/O!\n");
		fprintf(fp, "Line 2\n");
		fclose(fp);
	}

	fp = fopen("test.txt", "r");
	if (fp) {
		char buffer[100];
		printf("File contents:\n");
		while (fgets(buffer, sizeof(buffer), fp)) {
			printf("%s", buffer);
		}
		fclose(fp);
	}
	return 0;
}
