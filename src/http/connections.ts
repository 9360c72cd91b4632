// A cap on open connections. Each one costs the server a descriptor, and Node accepts as many as clients open: idle
// connections alone could take every descriptor, and then nothing is answered (health checks included) and jobs fail
// for want of pipes. Past the cap Node closes a new connection at once, so a client learns of it at once.
import fs from 'node:fs';
import type {Server} from 'node:http';
import type {Logger} from 'pino';

/** The most connections by default, whatever the descriptor limit allows. */
export const defaultMaxConnections = 1024;

/** The fewest connections the automatic cap leaves, however low the descriptor limit. */
const minimumConnections = 64;

/**
 * Descriptors kept for the server's own use: per job slot and interactive session, its sandboxes' pipes and cgroup
 * files and those of the sandboxes made ahead of it (about 10 measured; a server of 4 slots held 55–62), and a fixed
 * part for the log, the cache, the listening socket and the runtime.
 */
export const reservedDescriptors = (slots: number, sessions: number) => (16 * (slots + sessions)) + 128;

/** The process's soft RLIMIT_NOFILE, from /proc/self/limits; null when it cannot be read. */
export function openFilesLimit(limitsText?: string): number | null {
	let text = limitsText;
	try {
		text ??= fs.readFileSync('/proc/self/limits', 'utf8');
	} catch {
		return null;
	}

	const soft = /^Max open files\s+(\d+|unlimited)\s/m.exec(text)?.[1];
	return soft === undefined ? null : (soft === 'unlimited' ? Number.POSITIVE_INFINITY : Number(soft));
}

/**
 * The cap: the one configured, or the default within what the descriptor limit leaves after the reserve (never below
 * `minimumConnections`). `short` says when the configured one leaves less than the reserve.
 */
export function connectionCap(configured: number | null, openFiles: number | null, reserve: number): {readonly cap: number; readonly short: boolean} {
	const room = openFiles === null ? Number.POSITIVE_INFINITY : openFiles - reserve;
	if (configured !== null) {
		return {cap: configured, short: configured > room};
	}

	return {cap: Math.max(minimumConnections, Math.min(defaultMaxConnections, room)), short: room < minimumConnections};
}

/** How often the closing of connections past the cap is logged, at most. */
const dropLogIntervalMs = 10_000;

/** Sets the cap on `server` and logs the connections closed past it: at once, then at most once every ten seconds. */
export function limitConnections(server: Server, cap: number, logger: Logger): void {
	server.maxConnections = cap;
	let dropped = 0;
	let quietUntil = 0;
	server.on('drop', () => {
		dropped++;
		// The monotonic clock: a time of day set back an hour (NTP, `date -s`) kept the drops out of the log for that hour.
		const now = performance.now();
		if (now >= quietUntil) {
			logger.warn({dropped, maxConnections: cap}, 'connections past C_RUNNER_MAX_CONNECTIONS were closed at once');
			dropped = 0;
			quietUntil = now + dropLogIntervalMs;
		}
	});
}
