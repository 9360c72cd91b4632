// Attack: given another running job's directory (argv[1]), tries to list, read, write and delete in it, and to
// find other jobs' directories by listing its own parent directory.
// Expected: every attempt "blocked", then "other-job: blocked"; no "ESCAPED"; status "ok".
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int escaped = 0;

static void report(const char *what, int result) {
	if (result == 0) {
		printf("%s: ESCAPED\n", what);
		escaped = 1;
	} else {
		printf("%s: blocked (%s)\n", what, strerror(errno));
	}
}

int main(int argc, char *argv[]) {
	if (argc < 2) {
		fprintf(stderr, "usage: job-attacker <victim job directory>\n");
		return 2;
	}
	const char *victim = argv[1];
	char path[4096];

	DIR *dir = opendir(victim);
	report("list victim", dir ? 0 : -1);
	if (dir) {
		closedir(dir);
	}
	snprintf(path, sizeof path, "%s/secret", victim);
	int fd = open(path, O_RDONLY);
	report("read victim secret", fd >= 0 ? 0 : -1);
	snprintf(path, sizeof path, "%s/source.c", victim);
	fd = open(path, O_RDONLY);
	report("read victim source.c", fd >= 0 ? 0 : -1);
	snprintf(path, sizeof path, "%s/planted", victim);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	report("write into victim", fd >= 0 ? 0 : -1);
	snprintf(path, sizeof path, "%s/source", victim);
	report("delete victim program", unlink(path));

	// Own parent: other jobs' directories would be siblings of this one.
	char own[4096];
	if (getcwd(own, sizeof own)) {
		char *parent = dirname(own);
		dir = opendir(parent);
		int siblings = 0;
		for (struct dirent *entry; dir && (entry = readdir(dir));) {
			if (strncmp(entry->d_name, "c_exec_", 7) == 0) {
				siblings++;
			}
		}
		if (dir) {
			closedir(dir);
		}
		printf("job directories visible: %d\n", siblings);
		if (siblings != 1) {
			printf("siblings: ESCAPED\n");
			escaped = 1;
		}
	}
	printf("other-job: %s\n", escaped ? "ESCAPED" : "blocked");
	return 0;
}
