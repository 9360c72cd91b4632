// Attack: tries to leave state for the next test case of the same judge request: checks for a marker file in
// its working directory and in /tmp, prints what it found, then writes both markers.
// Expected: every test case prints "fresh": each runs in its own new job directory and private /tmp, so a judge
// request's test cases cannot see each other.
#include <stdio.h>
#include <unistd.h>

int main(void) {
	int seen = access("marker", F_OK) == 0 || access("/tmp/marker", F_OK) == 0;
	FILE *here = fopen("marker", "w");
	FILE *tmp = fopen("/tmp/marker", "w");
	if (here != NULL) {
		fclose(here);
	}
	if (tmp != NULL) {
		fclose(tmp);
	}
	printf("%s\n", seen ? "seen" : "fresh");
	return 0;
}
