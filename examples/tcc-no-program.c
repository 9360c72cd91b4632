// Attack: tcc takes options from the source; told to print its version, it exits 0 and writes no program.
// Expected: status "compile_error" (with "compiler": "tcc"), error "0.9.27" and then "c-runner: the compiler exited 0
// but wrote no program"; never a 500.
#pragma comment(option, "-dumpversion")

int main(void) {
	return 0;
}
