// Attack (on the server around the sandbox): a 150-byte source whose program is 60 MB of initialised data, inside
// the compile's 64 MiB file limit. The server copies each program into the job's directory and into the run
// sandbox made ahead: once copied synchronously, a judge of 20 test cases of it stalled the server's event loop
// for a second and held hundreds of MiB. Run by `npm run bench:hostile`, which prints the figures.
// Expected: status "ok", output "1\n" (the program reads one byte of its data).
#include <stdio.h>

__asm__(".section .data\nblob: .fill 60000000,1,1\n.previous");
extern const char blob[];

int main(void) {
	printf("%d\n", blob[59999999]);
	return 0;
}
