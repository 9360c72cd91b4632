// Interactive: puts its terminal in raw mode (no line editing, no echo, nothing discarded), says so, then never
// reads: input sent to it fills the terminal, then the relay's pipe, then the server's queue for it.
// Expected: (interactive) with over 1 MiB of input sent, the server stops reading the client's socket; a client whose
// connection goes then is still found gone within seconds (the server pings a socket it has stopped reading), its slot
// given back and nothing left behind. A close frame sent then, its connection kept open, waits behind the input not
// read, like a kill: that client is found gone at the idle limit.
#include <stdio.h>
#include <termios.h>
#include <unistd.h>

int main(void) {
	struct termios raw;
	if (tcgetattr(0, &raw) != 0) {
		perror("tcgetattr");
		return 1;
	}

	cfmakeraw(&raw);
	if (tcsetattr(0, TCSANOW, &raw) != 0) {
		perror("tcsetattr");
		return 1;
	}

	printf("raw\r\n");
	fflush(stdout);
	for (;;) {
		pause();
	}
}
