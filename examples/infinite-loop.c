// Attack: spins the CPU forever.
// Expected: stopped by the CPU-time limit: status "time_limit", stopped_by "cpu_time"; exit_code -9, signal "SIGKILL"
// with a private /proc (the helper stops it at the limit), exit_code -24, signal "SIGXCPU" without one (RLIMIT_CPU,
// at the limit rounded up to whole seconds); as a judge test case: verdict "TLE" under every policy.
int main(void) {
	volatile unsigned long spins = 0;
	for (;;) {
		spins++;
	}
}
