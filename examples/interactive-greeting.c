// Interactive: asks for a name, then an age, with prompts that end without a newline. On the interactive
// terminal stdout is line-buffered and flushed before each read, so each prompt reaches the client before the
// program waits for input.
// Expected: (interactive, input "Ada\n" then "36\n"): stdout "Name: ", then "Hello, Ada!\nAge: ", then
// "In ten years you will be 46.\n"; exit status "ok", exit_code 0.
#include <stdio.h>

int main(void) {
	char name[64];
	int age;
	printf("Name: ");
	if (scanf("%63s", name) != 1)
		return 1;
	printf("Hello, %s!\nAge: ", name);
	if (scanf("%d", &age) != 1)
		return 2;
	printf("In ten years you will be %d.\n", age + 10);
	return 0;
}
