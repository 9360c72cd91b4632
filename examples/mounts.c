// Prints the sandbox's mount table: one "mountpoint options" line per mount.
// Expected: status "ok"; the lines, in order: / (ro), /usr/lib (and /usr/lib64) (ro), /proc (rw: the sandbox's own
// procfs; absent under C_RUNNER_SANDBOX_PROC=none), /dev (ro: bubblewrap's tmpfs), the device nodes /dev/null,
// /dev/zero, /dev/full, /dev/random, /dev/urandom and /dev/tty (rw: bound from the host; writes to them do nothing
// harmful), /dev/pts (rw: a devpts of the sandbox's own), /tmp (rw), the job directory (rw), the program in it
// (source, ro), the helper /run/c-runner/sandbox and the stdin file /run/c-runner/stdin (ro). Files can be created
// only in /tmp and the job directory (both size-capped tmpfs).
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
