// Attack: spins the CPU forever.
// Expected: stopped by the CPU-time limit: status "time_limit", stopped_by "cpu_time", exit_code -9, signal "SIGKILL";
// as a judge test case: verdict "TLE".
int main(void) {
	volatile unsigned long spins = 0;
	for (;;) {
		spins++;
	}
}
