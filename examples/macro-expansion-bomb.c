// Attack: a string literal of some 1.8 GB built by nested macros, six levels of sixteen-fold expansion.
// Expected: status "compile_error", stopped_by "memory", the compiler's out-of-memory message (gcc's "cc1: out of
// memory allocating ...", tcc's "error: memory full (realloc)") followed by "c-runner: compilation stopped by the
// compile memory limit of 1024 MiB"; never kept in the compile cache.
#define A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define B A A A A A A A A A A A A A A A A
#define C B B B B B B B B B B B B B B B B
#define D C C C C C C C C C C C C C C C C
#define E D D D D D D D D D D D D D D D D
#define G E E E E E E E E E E E E E E E E
#define H G G G G G G G G G G G G G G G G

const char text[] = H H H H H H H H H H H H H H H H;

int main(void) {
	return text[5];
}
