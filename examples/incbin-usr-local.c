// Attack: builds a file of the machine's own /usr/local into the program with the assembler's .incbin, then prints
// it: a compile that can read a file can carry it out in the program. The test puts a real file of the host's
// /usr/local in place of TARGET.
// Expected: status "compile_error", the assembler's "file not found": the compile sees an empty /usr/local.
#include <stdio.h>

#define TARGET "/usr/local/bin/placeholder"

__asm__(".section .rodata\n"
        ".global leaked\n"
        "leaked:\n"
        ".incbin \"" TARGET "\", 0, 64\n"
        ".byte 0\n"
        ".previous\n");
extern const char leaked[];

int main(void) {
	printf("LEAKED %s\n", leaked);
	return 0;
}
