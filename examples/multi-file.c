// Creates three files and reads them back (the 004 reference).
// Expected: "Created file1.txt" .. "file3.txt: This is file number 3\n", exit_code 0.
#include <stdio.h>

int main(void) {
	for (int i = 1; i <= 3; i++) {
		char filename[20];
		sprintf(filename, "file%d.txt", i);
		FILE *fp = fopen(filename, "w");
		if (fp) {
			fprintf(fp, "This is file number %d\n", i);
			fclose(fp);
			printf("Created %s\n", filename);
		}
	}

	printf("\nReading files:\n");
	for (int i = 1; i <= 3; i++) {
		char filename[20];
		sprintf(filename, "file%d.txt", i);
		FILE *fp = fopen(filename, "r");
		if (fp) {
			char buffer[100];
			while (fgets(buffer, sizeof(buffer), fp)) {
				printf("%s: %s", filename, buffer);
			}
			fclose(fp);
		}
	}
	return 0;
}
