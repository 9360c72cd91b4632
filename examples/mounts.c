// Prints the sandbox's mount table: one "mountpoint options" line per mount.
// Expected: /, /usr/lib (and /usr/lib64), /proc, /dev and its device nodes, /tmp, the job directory, its program
// and the helper; only /tmp and the job directory writable; status "ok".
#include <mntent.h>
#include <stdio.h>

int main(void) {
	FILE *table = setmntent("/proc/self/mounts", "r");
	if (table == NULL) {
		perror("/proc/self/mounts");
		return 1;
	}
	for (struct mntent *mount; (mount = getmntent(table));) {
		printf("%s %s\n", mount->mnt_dir, mount->mnt_opts);
	}
	endmntent(table);
	return 0;
}
