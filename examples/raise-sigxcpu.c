// Raises SIGXCPU itself, at once, with next to no CPU time used: the signal RLIMIT_CPU sends, but not from a limit.
// Expected: output "42\n", status "signalled", signal "SIGXCPU", exit_code -24, stopped_by null (a time limit is
// judged by the CPU time used, not by the signal's name); at /judge_c with expected output "42", RE.
#include <signal.h>
#include <stdio.h>

int main(void) {
	puts("42");
	fflush(stdout);
	raise(SIGXCPU);
	return 0;
}
