// Attack (on the server's error handling): a program whose ELF interpreter does not exist, so that execve fails
// inside the sandbox. The program made itself unrunnable; the sandbox and the server are fine.
// Expected: status "runtime_error", exit_code 127, error "c-runner: the program could not be started: execve failed
// with ENOENT (...)"; a 200, not a 500, and no sandbox start failure counted in /metrics.
#include <stdio.h>

const char interpreter[] __attribute__((section(".interp"))) = "/nonexistent/ld.so";

int main(void) {
	puts("never printed");
	return 0;
}
