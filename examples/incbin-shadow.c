// Attack: tries to embed /etc/shadow into the binary with the assembler's .incbin, then print it.
// Expected: status "compile_error", the assembler's "file not found: /etc/shadow".
#include <stdio.h>

__asm__(".section .rodata\n"
        ".global leaked\n"
        "leaked:\n"
        ".incbin \"/etc/shadow\"\n"
        ".byte 0\n"
        ".previous\n");
extern const char leaked[];

int main(void) {
	puts(leaked);
	return 0;
}
