// Tries to leave a key for a later job and to find one an earlier job left: adds a "user" key named
// "c-runner-canary" to its session keyring, looks it up, reads its session keyring, and scans /proc/keys for it.
// Kernel keyrings are not namespaced: without the sandbox's fresh session keyring and its syscall filter, a later
// job of the same uid would find the key and read its payload.
// Expected: every keyring call "refused EPERM", "canary in /proc/keys: no"; status "ok". Run twice, or as two
// test cases of one judge request, the second run finds nothing either.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define KEY_SPEC_SESSION_KEYRING (-3)
#define KEYCTL_GET_KEYRING_ID 0
#define KEYCTL_READ 11

static void report(const char *name, long result) {
	if (result < 0) {
		printf("%s: refused %s\n", name, strerrorname_np(errno));
	} else {
		printf("%s: allowed (returned %ld)\n", name, result);
	}
}

int main(void) {
	const char payload[] = "c-runner-canary-payload";
	report("add_key", syscall(SYS_add_key, "user", "c-runner-canary", payload, sizeof payload, KEY_SPEC_SESSION_KEYRING));
	report("request_key", syscall(SYS_request_key, "user", "c-runner-canary", NULL, 0));
	report("keyctl get session keyring", syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0));
	char keys[4096];
	report("keyctl read session keyring", syscall(SYS_keyctl, KEYCTL_READ, KEY_SPEC_SESSION_KEYRING, keys, sizeof keys));

	int found = 0;
	FILE *proc_keys = fopen("/proc/keys", "r");
	char line[512];
	while (proc_keys && fgets(line, sizeof line, proc_keys)) {
		found |= strstr(line, "c-runner-canary") != NULL;
	}
	printf("canary in /proc/keys: %s\n", found ? "YES" : "no");
	return 0;
}
