/*
 * c-runner-sandbox: runs one command inside bubblewrap as the sandbox's pid 1.
 * Sets rlimits, enforces a wall-clock limit, kills every process of the sandbox when the command ends, and writes
 * a report on a descriptor the command never has. See README.md beside this file.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define EXIT_INTERNAL 125
/* How often the job's CPU time and address space are sampled while it runs. */
#define SAMPLE_MS 10

struct limit {
	const char *option;
	const char *name;
	int resource;
	long long value; /* -1: leave untouched */
};

static struct limit limits[] = {
	{"--cpu-ms", "RLIMIT_CPU", RLIMIT_CPU, -1},
	{"--as-bytes", "RLIMIT_AS", RLIMIT_AS, -1},
	{"--stack-bytes", "RLIMIT_STACK", RLIMIT_STACK, -1},
	{"--nproc", "RLIMIT_NPROC", RLIMIT_NPROC, -1},
	{"--fsize-bytes", "RLIMIT_FSIZE", RLIMIT_FSIZE, -1},
	{"--nofile", "RLIMIT_NOFILE", RLIMIT_NOFILE, -1},
};
#define LIMIT_COUNT (sizeof(limits) / sizeof(limits[0]))

struct options {
	int report_fd;
	long long wall_ms;
	char **argv;
};

static void die(int code, const char *format, ...)
{
	va_list args;
	fputs("c-runner-sandbox: ", stderr);
	va_start(args, format);
	vfprintf(stderr, format, args);
	va_end(args);
	fputc('\n', stderr);
	_exit(code);
}

static long long parse_number(const char *option, const char *text)
{
	char *end = NULL;
	errno = 0;
	if (text == NULL || *text < '0' || *text > '9')
		die(EXIT_INTERNAL, "%s needs a whole number", option);
	long long value = strtoll(text, &end, 10);
	if (errno != 0 || *end != '\0')
		die(EXIT_INTERNAL, "%s: bad number '%s'", option, text);
	return value;
}

static struct options parse_options(int argc, char **argv)
{
	struct options options = {.report_fd = -1, .wall_ms = -1, .argv = NULL};
	int i = 1;
	for (; i < argc && strcmp(argv[i], "--") != 0; i += 2) {
		const char *option = argv[i];
		long long value = parse_number(option, i + 1 < argc ? argv[i + 1] : NULL);
		size_t k;
		if (strcmp(option, "--report-fd") == 0) {
			if (value > INT_MAX)
				die(EXIT_INTERNAL, "--report-fd out of range");
			options.report_fd = (int)value;
			continue;
		}
		if (strcmp(option, "--wall-ms") == 0) {
			options.wall_ms = value;
			continue;
		}
		for (k = 0; k < LIMIT_COUNT && strcmp(option, limits[k].option) != 0; k++)
			;
		if (k == LIMIT_COUNT)
			die(EXIT_INTERNAL, "unknown option '%s'", option);
		limits[k].value = value;
	}
	if (i >= argc || i + 1 >= argc)
		die(EXIT_INTERNAL, "usage: c-runner-sandbox --report-fd N --wall-ms N [limits] -- PROGRAM [ARG...]");
	if (options.report_fd < 3)
		die(EXIT_INTERNAL, "--report-fd must be given, 3 or above");
	if (options.wall_ms <= 0)
		die(EXIT_INTERNAL, "--wall-ms must be given and above 0");
	if (argv[i + 1][0] != '/')
		die(EXIT_INTERNAL, "PROGRAM must be an absolute path");
	options.argv = &argv[i + 1];
	return options;
}

/* Whether /proc can be read to sample the job: not in a sandbox given no /proc at all. */
static int can_sample = 0;

/* Runs in the child: one place sets every limit and names the one that failed. */
static void set_limits(void)
{
	struct rlimit no_core = {0, 0};
	if (setrlimit(RLIMIT_CORE, &no_core) != 0)
		die(126, "setrlimit RLIMIT_CORE: %s", strerror(errno));
	for (size_t k = 0; k < LIMIT_COUNT; k++) {
		struct rlimit rl;
		if (limits[k].value < 0)
			continue;
		rl.rlim_cur = rl.rlim_max = (rlim_t)limits[k].value;
		if (limits[k].resource == RLIMIT_CPU) {
			/* With sampling, a backstop only: the parent stops the job at the exact limit. The kernel counts whole
			 * seconds per process: SIGXCPU at the limit rounded up (one second later with sampling), SIGKILL a
			 * second after that. */
			rl.rlim_cur = (rlim_t)((limits[k].value + 999) / 1000 + (can_sample ? 1 : 0));
			rl.rlim_max = rl.rlim_cur + 1;
		}
		if (setrlimit(limits[k].resource, &rl) != 0)
			die(126, "setrlimit %s: %s", limits[k].name, strerror(errno));
	}
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void run_child(char **argv, int exec_status_fd, const sigset_t *original_mask)
{
	sigprocmask(SIG_SETMASK, original_mask, NULL);
	setpgid(0, 0);
	umask(022);
	set_limits();
	/* The report descriptor and anything else inherited must not reach the program. */
	if (exec_status_fd > 3)
		close_range(3, (unsigned int)exec_status_fd - 1, 0);
	close_range((unsigned int)exec_status_fd + 1, ~0U, 0);
	execv(argv[0], argv);
	int error = errno;
	if (write(exec_status_fd, &error, sizeof error) != (ssize_t)sizeof error)
		_exit(127);
	die(127, "exec %s: %s", argv[0], strerror(error));
}

static long long limit_value(int resource)
{
	for (size_t k = 0; k < LIMIT_COUNT; k++)
		if (limits[k].resource == resource)
			return limits[k].value;
	return -1;
}

/* RUSAGE_CHILDREN counts every reaped process, orphans included: the usage of the whole tree so far. */
static struct rusage reaped_usage(void)
{
	struct rusage usage;
	if (getrusage(RUSAGE_CHILDREN, &usage) != 0)
		die(EXIT_INTERNAL, "getrusage: %s", strerror(errno));
	return usage;
}

static long long cpu_ms_of(const struct rusage *usage)
{
	return (long long)usage->ru_utime.tv_sec * 1000 + usage->ru_utime.tv_usec / 1000
		+ (long long)usage->ru_stime.tv_sec * 1000 + usage->ru_stime.tv_usec / 1000;
}

/*
 * The processes of the job that are still alive: their CPU time (with that of the children they reaped
 * themselves) and the largest address space among them. As pid 1 that is every other process of the namespace;
 * outside one (tests), the command's process group.
 */
static void sample_live(pid_t child, long long *cpu_ms, long long *vm_kb)
{
	static long ticks_per_second = 0;
	if (ticks_per_second == 0)
		ticks_per_second = sysconf(_SC_CLK_TCK);
	*cpu_ms = 0;
	*vm_kb = 0;
	DIR *proc = opendir("/proc");
	if (proc == NULL)
		return;
	pid_t self = getpid();
	for (struct dirent *entry; (entry = readdir(proc)) != NULL;) {
		pid_t pid = (pid_t)atoi(entry->d_name);
		if (pid <= 0 || pid == self)
			continue;
		char path[64], stat[1024];
		snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ssize_t length = read(fd, stat, sizeof stat - 1);
		close(fd);
		if (length <= 0)
			continue;
		stat[length] = '\0';
		/* The command name may hold spaces and parentheses: fields are counted after its last ')'. */
		char *fields = strrchr(stat, ')');
		int pgrp;
		unsigned long long utime, stime, vsize;
		long long cutime, cstime;
		if (fields == NULL || sscanf(fields + 2, "%*c %*d %d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %lld %lld %*d %*d %*d %*d %*u %llu",
				&pgrp, &utime, &stime, &cutime, &cstime, &vsize) != 6)
			continue;
		if (self != 1 && pgrp != child)
			continue;
		*cpu_ms += (long long)(utime + stime) * 1000 / ticks_per_second + (cutime + cstime) * 1000 / ticks_per_second;
		if ((long long)(vsize / 1024) > *vm_kb)
			*vm_kb = (long long)(vsize / 1024);
	}
	closedir(proc);
}

/* As pid 1, kill(-1) reaches every process of this pid namespace; anywhere else it would reach far more. */
static void kill_everything(pid_t child)
{
	if (getpid() == 1)
		kill(-1, SIGKILL);
	else
		kill(-child, SIGKILL);
}

int main(int argc, char **argv)
{
	struct options options = parse_options(argc, argv);
	can_sample = access("/proc/self/stat", R_OK) == 0;
	sigset_t chld, original_mask;
	int exec_status[2];
	int exec_errno = 0;
	int status = 0;
	int timed_out = 0;
	int cpu_exceeded = 0;
	int child_done = 0;
	long long peak_vm_kb = 0;
	long long sampled_cpu_ms = 0;
	long long cpu_limit_ms = limit_value(RLIMIT_CPU);

	/* Non-dumpable: a program under the same uid can neither ptrace this process nor open its /proc fds or mem. */
	if (prctl(PR_SET_DUMPABLE, 0) != 0)
		die(EXIT_INTERNAL, "prctl PR_SET_DUMPABLE: %s", strerror(errno));
	if (fcntl(options.report_fd, F_SETFD, FD_CLOEXEC) != 0)
		die(EXIT_INTERNAL, "report descriptor %d: %s", options.report_fd, strerror(errno));
	if (pipe2(exec_status, O_CLOEXEC) != 0)
		die(EXIT_INTERNAL, "pipe2: %s", strerror(errno));

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &chld, &original_mask) != 0)
		die(EXIT_INTERNAL, "sigprocmask: %s", strerror(errno));

	long long started = now_ms();
	pid_t child = fork();
	if (child < 0)
		die(EXIT_INTERNAL, "fork: %s", strerror(errno));
	if (child == 0)
		run_child(options.argv, exec_status[1], &original_mask);

	close(exec_status[1]);
	if (read(exec_status[0], &exec_errno, sizeof exec_errno) != (ssize_t)sizeof exec_errno)
		exec_errno = 0;
	close(exec_status[0]);

	long long deadline = started + options.wall_ms;
	long long ended = 0;
	while (!child_done) {
		long long left = deadline - now_ms();
		if (left <= 0) {
			timed_out = 1;
			break;
		}
		/* Wake at least every SAMPLE_MS to measure the job's CPU time and address space. */
		if (left > SAMPLE_MS)
			left = SAMPLE_MS;
		struct timespec timeout = {left / 1000, (left % 1000) * 1000000};
		if (sigtimedwait(&chld, NULL, &timeout) < 0 && errno != EAGAIN && errno != EINTR)
			die(EXIT_INTERNAL, "sigtimedwait: %s", strerror(errno));
		/* As pid 1 this process also inherits orphans: reap them all, note the command's own status. */
		for (;;) {
			int reaped_status;
			pid_t reaped = waitpid(-1, &reaped_status, WNOHANG);
			if (reaped <= 0)
				break;
			if (reaped == child) {
				status = reaped_status;
				child_done = 1;
				ended = now_ms();
			}
		}
		if (child_done)
			break;
		long long live_cpu_ms, vm_kb;
		sample_live(child, &live_cpu_ms, &vm_kb);
		if (vm_kb > peak_vm_kb)
			peak_vm_kb = vm_kb;
		struct rusage reaped = reaped_usage();
		sampled_cpu_ms = cpu_ms_of(&reaped) + live_cpu_ms;
		if (cpu_limit_ms > 0 && sampled_cpu_ms >= cpu_limit_ms) {
			cpu_exceeded = 1;
			break;
		}
	}

	kill_everything(child);
	if (!child_done) {
		ended = now_ms();
		if (waitpid(child, &status, 0) != child)
			die(EXIT_INTERNAL, "waitpid: %s", strerror(errno));
	}
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;

	/* Processes killed above are reaped by now; outside a pid namespace orphans are not ours to reap, so the last
	 * sample may know more. */
	struct rusage usage = reaped_usage();
	long long cpu_ms = cpu_ms_of(&usage);
	if (sampled_cpu_ms > cpu_ms)
		cpu_ms = sampled_cpu_ms;

	char report[512];
	int length = snprintf(report, sizeof report,
		"exec_errno=%d\nexited=%d\nexit_code=%d\nsignal=%d\ntimed_out=%d\ncpu_exceeded=%d\ncpu_ms=%lld\nwall_ms=%lld\n"
		"max_rss_kb=%ld\npeak_vm_kb=%lld\n",
		exec_errno, WIFEXITED(status) ? 1 : 0, WIFEXITED(status) ? WEXITSTATUS(status) : 0,
		WIFSIGNALED(status) ? WTERMSIG(status) : 0, timed_out, cpu_exceeded, cpu_ms, ended - started,
		usage.ru_maxrss, peak_vm_kb);
	if (length <= 0 || (size_t)length >= sizeof report || write(options.report_fd, report, (size_t)length) != length)
		die(EXIT_INTERNAL, "writing the report: %s", strerror(errno));
	close(options.report_fd);
	return 0;
}
