// Attack: includes /dev/zero, an endless file: the compiler reads it into memory until its allocation is refused.
// Expected: status "compile_error", stopped_by "memory", gcc's "cc1: out of memory allocating ..." followed by
// "c-runner: compilation stopped by the compile memory limit of 1024 MiB"; never kept in the compile cache.
#include "/dev/zero"

int main(void) {
	return 0;
}
