// C++ through the same sandbox: iostream, a vector, a lambda, a standard algorithm.
// Expected: status ok, output "Hello from C++! sum=15 std=201703\n" (the default -std=gnu++17).
#include <algorithm>
#include <iostream>
#include <numeric>
#include <vector>

int main() {
	std::vector<int> numbers{5, 4, 3, 2, 1};
	std::sort(numbers.begin(), numbers.end(), [](int a, int b) { return a < b; });
	std::cout << "Hello from C++! sum=" << std::accumulate(numbers.begin(), numbers.end(), 0) << " std=" << __cplusplus << "\n";
	return 0;
}
