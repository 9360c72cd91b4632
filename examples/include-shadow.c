// Attack: tries to pull /etc/shadow into the compiler's error message.
// Expected: status "compile_error", error "... /etc/shadow: No such file or directory", no shadow line.
#include "/etc/shadow"

int main(void) {
	return 0;
}
