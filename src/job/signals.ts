// Signal numbers and their names, as the answers give them.

/**
 * The canonical Linux names of signals 1–31 (x86-64, arm64 and the other generic-ABI targets), one per number.
 * Not a reverse map of `os.constants.signals`: there the later alias wins (SIGIOT for 6, SIGPOLL for 29).
 */
export const linuxSignalNames: readonly string[] = [
	'SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGILL', 'SIGTRAP', 'SIGABRT', 'SIGBUS', 'SIGFPE', 'SIGKILL', 'SIGUSR1', 'SIGSEGV',
	'SIGUSR2', 'SIGPIPE', 'SIGALRM', 'SIGTERM', 'SIGSTKFLT', 'SIGCHLD', 'SIGCONT', 'SIGSTOP', 'SIGTSTP', 'SIGTTIN',
	'SIGTTOU', 'SIGURG', 'SIGXCPU', 'SIGXFSZ', 'SIGVTALRM', 'SIGPROF', 'SIGWINCH', 'SIGIO', 'SIGPWR', 'SIGSYS',
];

/** The signals the limits send: SIGKILL (the helper, the server), SIGXCPU and SIGXFSZ (the rlimit backstops). */
export const sigkill = 9;
export const sigxcpu = 24;
export const sigxfsz = 25;

/** `SIGSEGV` for 11; real-time signals (32 and up) as `SIGRTMIN+N`, from glibc's SIGRTMIN of 34. */
export function signalName(signal: number): string {
	const name = linuxSignalNames[signal - 1];
	if (name !== undefined && signal >= 1) {
		return name;
	}

	return signal >= 34 && signal <= 64 ? `SIGRTMIN+${signal - 34}` : `SIG${signal}`;
}
