// The victim of job-attacker.c: keeps a file in its job directory for 5 s (time for another job to compile and
// attack it, on a loaded machine too), then checks that nothing changed around it. Needs a wall limit above 5 s
// (time_limit_ms 3000 gives 7 s).
// Expected: "victim: intact"; status "ok".
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void) {
	FILE *fp = fopen("secret", "w");
	fputs("victim-secret\n", fp);
	fclose(fp);

	sleep(5);

	char content[64] = "";
	fp = fopen("secret", "r");
	if (fp == NULL || fgets(content, sizeof content, fp) == NULL || strcmp(content, "victim-secret\n") != 0) {
		printf("victim: secret changed or gone\n");
		return 1;
	}
	fclose(fp);
	int strangers = 0;
	DIR *dir = opendir(".");
	for (struct dirent *entry; dir && (entry = readdir(dir));) {
		const char *name = entry->d_name;
		if (strcmp(name, ".") && strcmp(name, "..") && strcmp(name, "source") && strcmp(name, "secret")) {
			printf("victim: stranger file %s\n", name);
			strangers++;
		}
	}
	if (dir) {
		closedir(dir);
	}
	if (access("source", X_OK) != 0) {
		printf("victim: program gone\n");
		return 1;
	}
	printf(strangers ? "victim: tampered\n" : "victim: intact\n");
	return 0;
}
