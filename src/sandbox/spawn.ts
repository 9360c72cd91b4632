import type {Readable} from 'node:stream';
import {execa} from 'execa';
import {reportFd} from './bwrap-args.ts';

/** What the helper inside the sandbox measured and saw; see sandbox/README.md. */
export interface HelperReport {
	readonly execErrno: number;
	readonly exited: boolean;
	readonly exitCode: number;
	readonly signal: number;
	readonly timedOut: boolean;
	readonly cpuMs: number;
	readonly wallMs: number;
	readonly maxRssKb: number;
}

export interface SandboxUser {
	readonly uid: number;
	readonly gid: number;
}

export interface SpawnOptions {
	readonly bwrapPath: string;
	readonly args: readonly string[];
	/** The host uid/gid bwrap runs as; null keeps the server's own (when it is not root). */
	readonly user: SandboxUser | null;
	/** A host file fed as the program's stdin; null gives an empty stdin (/dev/null). */
	readonly stdinFile: string | null;
	/** Per-stream capture cap; one byte more and the whole sandbox is killed. */
	readonly outputBytes: number;
	/** Server-side backstop above the helper's own wall limit. */
	readonly backstopMs: number;
	readonly signal: AbortSignal;
}

export interface SandboxRun {
	readonly stdout: Buffer;
	readonly stderr: Buffer;
	/** null when the helper wrote none: it was killed from outside, or bwrap failed to start. */
	readonly report: HelperReport | null;
	/** Which stream passed its cap, when one did. */
	readonly overflowed: 'stdout' | 'stderr' | null;
	readonly backstopFired: boolean;
	readonly canceled: boolean;
	readonly durationMs: number;
}

const reportKeys = ['exec_errno', 'exited', 'exit_code', 'signal', 'timed_out', 'cpu_ms', 'wall_ms', 'max_rss_kb'] as const;

/** Strict: exactly the keys the helper writes, in order, each a whole number. Anything else is no report. */
export function parseReport(text: string): HelperReport | null {
	const lines = text.trimEnd().split('\n');
	if (lines.length !== reportKeys.length) {
		return null;
	}

	const values: number[] = [];
	for (const [index, key] of reportKeys.entries()) {
		const match = new RegExp(`^${key}=(\\d{1,12})$`).exec(lines[index]!);
		if (!match) {
			return null;
		}

		values.push(Number(match[1]));
	}

	const [execErrno, exited, exitCode, signal, timedOut, cpuMs, wallMs, maxRssKb] = values as [number, number, number, number, number, number, number, number];
	return {execErrno, exited: exited === 1, exitCode, signal, timedOut: timedOut === 1, cpuMs, wallMs, maxRssKb};
}

class CappedCapture {
	readonly chunks: Buffer[] = [];
	size = 0;
	overflowed = false;
	readonly #cap: number;
	readonly #onOverflow: () => void;

	constructor(cap: number, onOverflow: () => void) {
		this.#cap = cap;
		this.#onOverflow = onOverflow;
	}

	push(chunk: Buffer): void {
		if (this.overflowed) {
			return;
		}

		const room = this.#cap - this.size;
		if (chunk.length > room) {
			this.chunks.push(chunk.subarray(0, room));
			this.size = this.#cap;
			this.overflowed = true;
			this.#onOverflow();
			return;
		}

		this.chunks.push(chunk);
		this.size += chunk.length;
	}

	collect(stream: Readable | null): Promise<void> {
		return new Promise(resolve => {
			if (stream === null) {
				resolve();
				return;
			}

			stream.on('data', (chunk: Buffer) => {
				this.push(chunk);
			});
			stream.once('close', () => {
				resolve();
			});
		});
	}
}

/** The only place that starts a process. bwrap gets an empty environment and no descriptors but 0–3. */
export async function spawnSandbox(options: SpawnOptions): Promise<SandboxRun> {
	const subprocess = execa(options.bwrapPath, options.args, {
		reject: false,
		env: {},
		extendEnv: false,
		cwd: '/',
		stdio: [options.stdinFile === null ? 'ignore' : {file: options.stdinFile}, 'pipe', 'pipe', 'pipe'],
		buffer: {stdout: false, stderr: false, fd3: true},
		encoding: 'utf8',
		stripFinalNewline: false,
		maxBuffer: {fd3: 4096},
		timeout: options.backstopMs,
		killSignal: 'SIGKILL',
		forceKillAfterDelay: false,
		cancelSignal: options.signal,
		...(options.user ? {uid: options.user.uid, gid: options.user.gid} : {}),
	});

	// Killing bwrap takes the sandbox with it: the helper has PR_SET_PDEATHSIG, and it is the pid namespace's init.
	const kill = () => subprocess.kill('SIGKILL');
	const stdout = new CappedCapture(options.outputBytes, kill);
	const stderr = new CappedCapture(options.outputBytes, kill);
	const [result] = await Promise.all([subprocess, stdout.collect(subprocess.stdout), stderr.collect(subprocess.stderr)]);
	const reportText = result.stdio[reportFd];

	return {
		stdout: Buffer.concat(stdout.chunks),
		stderr: Buffer.concat(stderr.chunks),
		report: typeof reportText === 'string' ? parseReport(reportText) : null,
		overflowed: stdout.overflowed ? 'stdout' : (stderr.overflowed ? 'stderr' : null),
		backstopFired: result.timedOut,
		canceled: result.isCanceled,
		durationMs: result.durationMs,
	};
}

/** First line of `<command> --version`, for /health; null when the command does not run. */
export async function commandVersion(file: string): Promise<string | null> {
	const result = await execa(file, ['--version'], {reject: false, env: {PATH: '/usr/bin:/bin'}, extendEnv: false, timeout: 5000});
	return result.exitCode === 0 ? result.stdout.split('\n')[0] ?? null : null;
}
