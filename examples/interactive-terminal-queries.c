// Interactive: asks the client's terminal two questions, as a full-screen program does: its secondary device
// attributes (`ESC [ > c`) and the cursor position (`ESC [ 6 n`). A terminal answers each with an escape sequence
// of its own, sent as input; the program then reads one line and counts the escape characters in it. A page that
// echoed the answers would have its terminal answer them again (`ESC [ > 0;276;0 c` is itself the first question),
// thousands of times a second.
// Expected: (interactive, in the playground, typing "ok" and Enter): stdout "Type: " then "escapes=2 typed=ok\n"
// (each answer once, never echoed); exit status "ok", exit_code 0.
#include <stdio.h>
#include <string.h>

int main(void) {
	char line[8192];
	printf("\x1b[>c\x1b[6nType: ");
	if (fgets(line, sizeof line, stdin) == NULL)
		return 1;
	int escapes = 0;
	for (const char *p = line; *p != '\0'; p++)
		escapes += *p == '\x1b';
	size_t length = strlen(line);
	printf("escapes=%d typed=%s", escapes, length >= 3 && strcmp(line + length - 3, "ok\n") == 0 ? "ok\n" : "something else\n");
	return 0;
}
