// An exception nobody catches: the C++ runtime calls std::terminate, which aborts.
// Expected: status signalled, signal SIGABRT, exit code -6, the runtime's "terminate called" message on stderr.
#include <stdexcept>

int main() {
	throw std::runtime_error("nobody catches this");
}
