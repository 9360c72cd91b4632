// A missing ')' (the 004 reference).
// Expected: status "compile_error", exit_code 1, output "", error holds gcc's
// "source.c:5:28: error: expected ')' before 'return'".
#include <stdio.h>
int main() { printf("Hello" return 0; }
