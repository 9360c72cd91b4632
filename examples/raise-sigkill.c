// Kills itself with SIGKILL.
// Expected: status "signalled", exit_code -9, signal "SIGKILL".
#include <signal.h>

int main(void) {
	raise(SIGKILL);
	return 0;
}
