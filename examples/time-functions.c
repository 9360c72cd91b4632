// An ordinary program's use of time: the clocks, sleeping, timers and calendar conversions, all of which the
// syscall filter leaves alone (it refuses only setting the clock).
// Expected: "monotonic: advancing\nrealtime: after 2020\nslept: at least 20 ms\ncpu clock: running\n
// epoch: 1970-01-01 00:00:00 UTC\ntimegm round trip: ok\nitimer: fired\n", status "ok".
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static volatile sig_atomic_t fired = 0;

static void on_alarm(int signal_number) {
	(void)signal_number;
	fired = 1;
}

static long long ns(struct timespec ts) {
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(void) {
	struct timespec first, second, real, cpu;
	clock_gettime(CLOCK_MONOTONIC, &first);
	struct timespec nap = {0, 20 * 1000000};
	nanosleep(&nap, NULL);
	clock_gettime(CLOCK_MONOTONIC, &second);
	clock_gettime(CLOCK_REALTIME, &real);
	volatile double sink = 0;
	for (int i = 0; i < 1000000; i++) {
		sink += i * 0.5;
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
	printf("monotonic: %s\n", ns(second) > ns(first) ? "advancing" : "STUCK");
	printf("realtime: %s\n", real.tv_sec > 1577836800 && time(NULL) > 1577836800 ? "after 2020" : "WRONG");
	printf("slept: %s\n", ns(second) - ns(first) >= 20 * 1000000LL ? "at least 20 ms" : "TOO SHORT");
	printf("cpu clock: %s\n", ns(cpu) > 0 && sink > 0 ? "running" : "STOPPED");

	time_t epoch = 0;
	char text[64];
	strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", gmtime(&epoch));
	printf("epoch: %s\n", text);
	struct tm calendar = {.tm_year = 124, .tm_mon = 1, .tm_mday = 29, .tm_hour = 12};
	time_t made = timegm(&calendar);
	struct tm back;
	gmtime_r(&made, &back);
	printf("timegm round trip: %s\n", back.tm_mday == 29 && back.tm_mon == 1 && back.tm_year == 124 ? "ok" : "WRONG");

	signal(SIGALRM, on_alarm);
	struct itimerval timer = {.it_value = {0, 10000}};
	setitimer(ITIMER_REAL, &timer, NULL);
	while (!fired) {
		nanosleep(&nap, NULL);
	}
	printf("itimer: %s\n", fired ? "fired" : "silent");
	return 0;
}
