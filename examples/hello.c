// The 004 reference's first example.
// Expected: output "Hello from C!", exit_code 0, status "ok".
#include <stdio.h>

int main(void) {
	printf("Hello from C!");
	return 0;
}
