// Compiles with a warning: the warning goes to "warnings", never into the program's "error".
// Expected: status "ok", output "ran\n", error "", warnings mention "unused variable 'unused'".
#include <stdio.h>

int main(void) {
	int unused;
	printf("ran\n");
	return 0;
}
