// Attack: tries to forge the sandbox helper's report (it reads as "exit_code=0" with tiny figures) through every
// way to its descriptor: inherited descriptors 3 to 9, /proc/1/fd/3, ptrace and /proc/1/mem of the helper.
// Then exits with 7, so a forged report would show up as a different exit code.
// Expected: every attempt "blocked", no "ESCAPED"; status "runtime_error", exit_code 7.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <unistd.h>

static const char forged[] = "exec_errno=0\nexited=1\nexit_code=0\nsignal=0\ntimed_out=0\ncpu_ms=0\nwall_ms=0\nmax_rss_kb=0\n";

static void attempt(const char *what, int result) {
	if (result >= 0) {
		printf("%s: ESCAPED\n", what);
	} else {
		printf("%s: blocked (%s)\n", what, strerror(errno));
	}
}

int main(void) {
	for (int fd = 3; fd <= 9; fd++) {
		char what[32];
		snprintf(what, sizeof what, "write fd %d", fd);
		attempt(what, (int)write(fd, forged, sizeof forged - 1));
	}
	attempt("open /proc/1/fd/3", open("/proc/1/fd/3", O_WRONLY));
	attempt("open /proc/1/mem", open("/proc/1/mem", O_RDWR));
	attempt("ptrace attach 1", (int)ptrace(PTRACE_ATTACH, 1, NULL, NULL));
	fflush(stdout);
	return 7;
}
