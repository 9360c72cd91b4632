// Attack: tries to pull /etc/passwd into the compiler's error message.
// Expected: status "compile_error", error "... /etc/passwd: No such file or directory", no passwd line.
#include "/etc/passwd"

int main(void) {
	return 0;
}
