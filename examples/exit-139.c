// Exits with 139 on purpose: a normal exit n gives n, never a guessed signal.
// Expected: status "runtime_error", exit_code 139, signal null.
#include <stdlib.h>

int main(void) {
	exit(139);
}
