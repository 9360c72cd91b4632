// Writes N NUL bytes to stdout and N to stderr (N read from stdin, 65536 when stdin is empty), then exits 0.
// Every NUL costs six bytes once JSON-escaped (\u0000): without a bound counted as sent, 200 test cases of one
// small /judge_c request made a 78 MB answer.
// Expected: status ok; the answer's texts cut to the server's bounds as sent (C_RUNNER_JUDGE_RESULT_BYTES per
// text, C_RUNNER_RESPONSE_BYTES per answer) and flagged truncated.
#include <stdio.h>
#include <stdlib.h>

int main(void) {
	long n = 65536;
	if (scanf("%ld", &n) != 1 || n < 0) {
		n = 65536;
	}

	static char zeros[65536];
	for (long left = n; left > 0; left -= (long)sizeof zeros) {
		size_t chunk = left < (long)sizeof zeros ? (size_t)left : sizeof zeros;
		fwrite(zeros, 1, chunk, stdout);
		fwrite(zeros, 1, chunk, stderr);
	}

	return 0;
}
