// Attack: holds memory in SysV shared memory segments, detached after writing, so no process maps them and no
// address-space limit counts them: SEGMENTS of MIB each (argv; default 75 × 8 MiB = 600 MiB), then re-attaches
// each one to sum it.
// Expected: against a 64 MiB memory limit, with job cgroups (a root server), status "memory_limit" (shared memory
// pages are charged to the job); under the helper backend the segments are not limited by any rlimit: status "ok",
// as /health says.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>

int main(int argc, char **argv) {
	int segments = argc > 1 ? atoi(argv[1]) : 75;
	size_t size = (size_t)(argc > 2 ? atoi(argv[2]) : 8) << 20;
	int ids[1024];
	for (int i = 0; i < segments && i < 1024; i++) {
		ids[i] = shmget(IPC_PRIVATE, size, IPC_CREAT | 0600);
		char *at = ids[i] < 0 ? NULL : shmat(ids[i], NULL, 0);
		if (at == NULL || at == (void *)-1) {
			perror("shm");
			return 1;
		}
		memset(at, 'a' + i % 26, size);
		shmdt(at);
	}
	unsigned long sum = 0;
	for (int i = 0; i < segments && i < 1024; i++) {
		unsigned char *at = shmat(ids[i], NULL, SHM_RDONLY);
		if (at == (void *)-1)
			return 1;
		for (size_t off = 0; off < size; off += 4096)
			sum += at[off];
		shmdt(at);
		shmctl(ids[i], IPC_RMID, NULL);
	}
	printf("held %zu MiB in SysV shared memory, checksum %lu\n", (size_t)segments * (size >> 20), sum);
	return 0;
}
