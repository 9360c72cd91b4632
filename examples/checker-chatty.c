// A judge's checker program that accepts every answer and says so at length: 60,000 bytes of "y" each time (what a
// checker prints is the test case's checker_message).
// Expected: every test case AC; on a server whose C_RUNNER_JUDGE_RESULT_BYTES is under 60,000 (its test's 4,096; the
// default 64 KiB holds each whole), each checker_message cut to it; all of them together charged to the answer's
// size bound like the program's own output: the answer stays within it.
#include <stdio.h>

int main(void) {
	for (int i = 0; i < 60000; i++) {
		putchar('y');
	}
	return 0;
}
