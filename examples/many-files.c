// Leaves a deep tree of files with odd modes behind: read-only files, unreadable and unwritable directories.
// Expected: output "made tree\n", status "ok", and the job directory is still removed afterwards.
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void) {
	for (int depth = 0; depth < 64; depth++) {
		if (mkdir("d", 0755) != 0 || chdir("d") != 0) {
			perror("mkdir");
			return 1;
		}
		for (int i = 0; i < 8; i++) {
			char name[16];
			snprintf(name, sizeof name, "f%d", i);
			int fd = open(name, O_WRONLY | O_CREAT, 0644);
			if (fd >= 0) {
				write(fd, "x", 1);
				close(fd);
			}
			chmod(name, i % 2 ? 0000 : 0444);
		}
		mkfifo("fifo", 0600);
		symlink("/nonexistent", "dangling");
	}
	// Walk back up, locking each directory on the way.
	for (int depth = 0; depth < 64; depth++) {
		chdir("..");
		chmod("d", depth % 2 ? 0000 : 0500);
	}
	chmod(".", 0500);
	printf("made tree\n");
	return 0;
}
