// Attack: spins the CPU forever.
// Expected: with a time_limit_ms (the wall-clock limit is then twice it and 1 s more; at the defaults both limits are
// 10 s, the wall clock comes first and stopped_by is "wall_time"), stopped by the CPU-time limit under every policy
// and accounting backend: the sandbox helper, which samples the job's CPU time every 5 ms, kills it within a sample
// of the limit: status "time_limit", stopped_by "cpu_time", exit_code -9, signal "SIGKILL", cpu_ms just over the
// limit (at time_limit_ms 200: about 205); as a judge test case: verdict "TLE".
int main(void) {
	volatile unsigned long spins = 0;
	for (;;) {
		spins++;
	}
}
