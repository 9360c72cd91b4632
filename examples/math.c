// The math library is linked by default: sqrt and pow just work.
// Expected: "sqrt(2)=1.414214 pow(2,10)=1024\n", exit_code 0.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char *argv[]) {
	// Taken at run time, so gcc cannot fold the calls away and the link really needs libm.
	double two = argc > 5 ? atof(argv[1]) : 2.0;
	printf("sqrt(2)=%f pow(2,10)=%.0f\n", sqrt(two), pow(two, 10));
	return 0;
}
