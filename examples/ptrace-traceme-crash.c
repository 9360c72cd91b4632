// Attack: asks to be traced by its parent (the sandbox helper) with PTRACE_TRACEME, then dereferences NULL. A
// traced process's crash first shows as a ptrace stop, which must not be taken for an exit.
// Expected: status "signalled", signal "SIGSEGV", exit_code -11 (also when a syscall filter refuses the ptrace).
#include <stdio.h>
#include <sys/ptrace.h>

int main(void) {
	fprintf(stderr, "PTRACE_TRACEME %s\n", ptrace(PTRACE_TRACEME, 0, NULL, NULL) == 0 ? "accepted" : "refused");
	volatile int *null = NULL;
	*null = 1;
	return 0;
}
