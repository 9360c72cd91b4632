// Writes the two bytes FF FE, which are not UTF-8: `output` shows them as U+FFFD U+FFFD, but a judge compares the
// bytes themselves.
// Expected: as a judge test case with "compare": "exact" against "\uFFFD\uFFFD" (the characters the bytes decode
// to), verdict "WA": exact means the same bytes; against the real characters (bytes EF BF BD EF BF BD) too. Through
// Judge0's API with base64_encoded=true: stdout "//4=\n" (FF FE), and Wrong Answer against expected_output U+FFFD U+FFFD.
#include <stdio.h>

int main(void) {
	fputs("\xff\xfe", stdout);
	return 0;
}
