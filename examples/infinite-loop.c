// Attack: spins the CPU forever.
// Expected: stopped by the CPU-time limit: status "time_limit", stopped_by "cpu_time", signal "SIGXCPU".
int main(void) {
	volatile unsigned long spins = 0;
	for (;;) {
		spins++;
	}
}
