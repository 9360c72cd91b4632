// Command-line arguments, with args "hello world 123" (the 004 reference).
// Expected: "Args: 4\n/tmp/c_exec_<uuid>/source\nhello\nworld\n123\n", exit_code 0.
#include <stdio.h>

int main(int argc, char *argv[]) {
	printf("Args: %d\n", argc);
	for (int i = 0; i < argc; i++) {
		printf("%s\n", argv[i]);
	}
	return 0;
}
