import fs from 'node:fs';
import type {Readable, Writable} from 'node:stream';
import {execa} from 'execa';
import {procStatFields} from '../proc.ts';
import {CappedCapture} from './capture.ts';
import {parseReport, type HelperReport} from './report.ts';
import type {CgroupFigures} from './cgroup.ts';
import {commandFd, infoFd, reportFd} from './bwrap-args.ts';

export interface SandboxUser {
	readonly uid: number;
	readonly gid: number;
}

/** What a sandbox runs, and the limits of its run: the bubblewrap arguments, the backstop, the job's own signal. */
export interface SandboxCommand {
	readonly args: readonly string[];
	/** Server-side backstop above the helper's own wall limit. */
	readonly backstopMs: number;
	/** Aborted when the job is cancelled (a client gone, a shutdown): the sandbox is stopped. */
	readonly signal: AbortSignal;
}

export interface SpawnOptions {
	readonly bwrapPath: string;
	/**
	 * The command, or — with a launcher — a promise of it: the launcher is started at once, joins the job cgroup and
	 * waits for its command on a pipe; null ends it with no sandbox ever made (the run is `declined`). Timers and
	 * figures start when the command is sent.
	 */
	readonly command: SandboxCommand | Promise<SandboxCommand | null>;
	/**
	 * With a command to come: bubblewrap's arguments given at once, for a sandbox made ahead of its job. The
	 * launcher then starts bwrap at once, and the command's `args` are the sandbox helper's command, which it waits
	 * for on descriptor 7 (`--command-fd`).
	 */
	readonly madeAhead?: readonly string[];
	/** The host uid/gid bwrap runs as; null keeps the server's own (when it is not root). */
	readonly user: SandboxUser | null;
	/** Per-stream capture cap; one byte more and the whole sandbox is killed. */
	readonly outputBytes: number;
	/** With a job cgroup: the launcher that joins it and then execs bwrap, and its arguments (the cgroup's files). */
	readonly launcher?: {readonly path: string; readonly args: readonly string[]};
	/** Aborted when the sandbox must stop whatever its command (a shutdown, for a launcher started ahead of its job). */
	readonly signal: AbortSignal;
	/** An interactive run: stdin is a pipe the caller writes, and output is handed on as it arrives. */
	readonly streaming?: StreamingIo;
	/** Told as soon as the process started is reaped, before its pipes are drained (a launcher gone while it waits). */
	readonly onExit?: () => void;
	/**
	 * Answer as soon as the helper's report has come, with what the pipes hold then, rather than after the helper's
	 * exit, the namespaces' teardown and bwrap's; the run's `ended` tells when those are over. Not for a streaming run.
	 */
	readonly answerAtReport?: boolean;
}

/** What an interactive run is given: the sandbox's pipes once it starts, then each piece of output within the cap. */
export interface StreamingIo {
	/** `stdout` and `stderr` are for pausing only (backpressure); `stop` ends the whole sandbox. */
	started(io: {readonly stdin: Writable; readonly stdout: Readable; readonly stderr: Readable; readonly stop: () => void}): void;
	output(stream: 'stdout' | 'stderr', chunk: Buffer): void;
	/** The sandbox has ended: its pipes are read to their end from now on, and must not be paused again. */
	exited(): void;
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
	/** What the job's cgroup measured, under the cgroup backend. */
	readonly cgroup?: CgroupFigures;
	/** The gate said no (or the job was cancelled before it said yes): no sandbox was made. */
	readonly declined?: boolean;
	/** The command to come could not be given: what waited for it was gone (killed, or failed) before. Nothing ran. */
	readonly unsent?: boolean;
	/**
	 * With `answerAtReport`, when the run was answered at its report: resolved once the sandbox is over (bwrap reaped,
	 * its pipes closed). Its job cgroup and job directory go only then. Absent: it was over already.
	 */
	readonly ended?: Promise<void>;
}

/** The helper's host pid from bwrap's `--info-fd` JSON; null when it is not there. */
export function parseChildPid(text: string): number | null {
	try {
		const pid: unknown = (JSON.parse(text) as Record<string, unknown> | null)?.['child-pid'];
		return typeof pid === 'number' && Number.isSafeInteger(pid) && pid > 1 ? pid : null;
	} catch {
		return null;
	}
}

/** The most bytes of a helper report read: it is a few short lines. */
const reportBytes = 4096;

/** How long a stop waits for the helper's death to bring bwrap down before it kills bwrap itself. */
const stopGraceMs = 2000;

/** A command as the launcher or the helper reads it on its command descriptor: the arguments, each ended by a NUL byte. */
export const encodeCommand = (argv: readonly string[]) => Buffer.from(argv.map(arg => `${arg}\0`).join(''));

/**
 * The only place that starts a process. bwrap gets an empty environment and no descriptors but 0–4 (and 5 and 6, the
 * job cgroup's CPU counter and OOM state, opened by the launcher).
 */
export async function spawnSandbox(options: SpawnOptions): Promise<SandboxRun> {
	const {command, launcher} = options;
	const gated = command instanceof Promise;
	if (gated && launcher === undefined) {
		throw new Error('a command to come needs a launcher');
	}

	const {madeAhead} = options;
	const given = gated ? (madeAhead ? [options.bwrapPath, ...madeAhead] : []) : [options.bwrapPath, ...command.args];
	const [file, ...args] = launcher
		? [launcher.path, ...(gated && !madeAhead ? ['--command-fd', String(commandFd), ...launcher.args] : [...launcher.args, '--', ...given])]
		: given;
	// 5 and 6: placeholders the launcher replaces with the job cgroup's counters; 7: the command to come.
	const gateStdio = gated ? ['ignore', 'ignore', 'pipe'] as const : [];
	const subprocess = execa(file!, args, {
		reject: false,
		env: {},
		extendEnv: false,
		cwd: '/',
		// Stdin: /dev/null, or an interactive run's pipe. A run's stdin file is opened by the helper, inside the sandbox.
		stdio: [options.streaming ? 'pipe' : 'ignore', 'pipe', 'pipe', 'pipe', 'pipe', ...gateStdio],
		// Nothing buffered by execa: each pipe is read here, as it comes (execa's reading allocates ~0.1 MiB a stream).
		buffer: false,
		forceKillAfterDelay: false,
		// Not execa's exit hook: it would kill bwrap on the server's SIGTERM, before the drain lets jobs finish.
		// An abrupt server death is covered by --die-with-parent.
		cleanup: false,
		// Its own session and process group: Ctrl-C on the server's terminal signals the whole foreground group, and
		// the sandboxes must not die before the server drains them. --die-with-parent does not depend on the group.
		detached: true,
		...(options.user ? {uid: options.user.uid, gid: options.user.gid} : {}),
	});

	if (options.onExit) {
		subprocess.nodeChildProcess.once('exit', options.onExit);
	}

	let helperPid: number | null = null;
	let stopping = false;
	let exited = false;
	let lastResort: NodeJS.Timeout | undefined;
	const killHelper = () => {
		// Only while bwrap lives and the pid is still its child: a reaped pid may already name another process.
		if (helperPid !== null && !exited && procStatFields(helperPid)?.[1] === String(subprocess.pid)) {
			try {
				process.kill(helperPid, 'SIGKILL');
			} catch {}
		}
	};

	/**
	 * Stops the whole sandbox. SIGKILL to the helper, the pid namespace's init, kills every process in it; bwrap then
	 * reaps the helper and exits. Killing bwrap first would orphan the helper as a zombie of the host's init, so that
	 * is only the last resort, when bwrap has not said who its child is.
	 */
	// Until the go, the process is the launcher, waiting, with no sandbox under it: it is killed at once. A sandbox
	// made ahead is a sandbox from the start: stopped as any, by its helper.
	let waiting = gated && !madeAhead;
	const stop = () => {
		if (stopping) {
			return;
		}

		stopping = true;
		if (waiting) {
			subprocess.kill('SIGKILL');
			return;
		}

		killHelper();
		lastResort = setTimeout(() => subprocess.kill('SIGKILL'), stopGraceMs);
	};

	let info = '';
	subprocess.stdio[infoFd]?.on('data', (chunk: Buffer) => {
		info += chunk.toString('utf8');
		helperPid ??= parseChildPid(info);
		if (stopping) {
			killHelper();
		}
	});

	let backstopFired = false;
	let canceled = false;
	let declined = false;
	let delivered = false;
	let backstop: NodeJS.Timeout | undefined;
	let started = performance.now();
	const onAbort = () => {
		canceled = true;
		stop();
	};

	const signals: AbortSignal[] = [];
	const listen = (signal: AbortSignal) => {
		if (signal.aborted) {
			onAbort();
		} else {
			signal.addEventListener('abort', onAbort, {once: true});
			signals.push(signal);
		}
	};

	const arm = ({backstopMs, signal}: SandboxCommand) => {
		started = performance.now();
		backstop = setTimeout(() => {
			backstopFired = true;
			stop();
		}, backstopMs);
		listen(signal);
	};

	listen(options.signal);
	if (gated) {
		const pipe = subprocess.stdio[commandFd] as NodeJS.WritableStream;
		// A launcher that failed before its command (a cgroup it could not join), or a sandbox made ahead whose helper
		// was killed while it waited, has closed its end: the command is not delivered, and there is no report.
		pipe.on('error', () => {});
		void command.then(go => {
			if (exited) {
				return;
			}

			if (go === null || stopping) {
				declined = true;
				stop();
				return;
			}

			waiting = false;
			arm(go);
			pipe.end(encodeCommand(madeAhead ? go.args : [options.bwrapPath, ...go.args]), (error?: Error | null) => {
				delivered = !error;
			});
		});
	} else {
		arm(command);
	}

	const {streaming} = options;
	// The helper's report is a few lines; one that does not fit is no report (and stops the sandbox).
	const report = new CappedCapture(reportBytes, stop);
	const stdout = new CappedCapture(options.outputBytes, stop, streaming && (chunk => streaming.output('stdout', chunk)));
	const stderr = new CappedCapture(options.outputBytes, stop, streaming && (chunk => streaming.output('stderr', chunk)));
	if (streaming && subprocess.stdin && subprocess.stdout && subprocess.stderr) {
		// Writes after the sandbox ended fail with EPIPE: the run's end is told by its report, not by this.
		subprocess.stdin.on('error', () => {});
		streaming.started({stdin: subprocess.stdin, stdout: subprocess.stdout, stderr: subprocess.stderr, stop});
		// Once the sandbox has ended, what is left in its pipes (a pipe's worth at most) is read whatever the caller
		// paused for a slow reader: a paused pipe never closes, and the run would never end, holding its slot.
		const {stdout: out, stderr: err} = subprocess;
		subprocess.nodeChildProcess.once('exit', () => {
			streaming.exited();
			out.resume();
			err.resume();
		});
	}

	// The whole sandbox over: bwrap reaped and every pipe at its end. Never rejects (execa's reject: false).
	const over = (async () => {
		try {
			await Promise.all([subprocess, stdout.collect(subprocess.stdout), stderr.collect(subprocess.stderr), report.collect(subprocess.stdio[reportFd] as Readable)]);
		} finally {
			exited = true;
			clearTimeout(backstop);
			clearTimeout(lastResort);
			for (const signal of signals) {
				signal.removeEventListener('abort', onAbort);
			}
		}
	})();
	const result = (): SandboxRun => ({
		stdout: Buffer.concat(stdout.chunks),
		stderr: Buffer.concat(stderr.chunks),
		report: report.overflowed ? null : parseReport(Buffer.concat(report.chunks).toString('utf8')),
		overflowed: stdout.overflowed ? 'stdout' : (stderr.overflowed ? 'stderr' : null),
		backstopFired,
		canceled,
		durationMs: performance.now() - started,
		...(declined ? {declined} : {}),
		...(gated && !declined && !delivered ? {unsent: true} : {}),
	});
	if (options.answerAtReport !== true || streaming) {
		await over;
		return result();
	}

	const reported = await Promise.race([over.then(() => false), helperReported(subprocess.stdio[reportFd] as Readable, report)]);
	if (!reported) {
		return result();
	}

	// Every process of the job is gone: the helper killed and reaped them all before its report, and writes nothing
	// after it (nor does bwrap, once its child is over). What they wrote is in the pipes; it is read now, to the last
	// byte, and the answer need not wait for the helper's exit, the namespaces' teardown and bwrap's (some 1 ms a step).
	// A pipe that could not be read so (no descriptor) is read to its end, as without the option.
	if (!drainNow(subprocess.stdout, stdout) || !drainNow(subprocess.stderr, stderr)) {
		await over;
		return result();
	}

	return {...result(), ended: over};
}

/**
 * Resolves true once the helper's whole report has come (one write of a few lines, ended by a newline, that parses);
 * never otherwise: a sandbox without one ends by its pipes and its exit.
 */
async function helperReported(stream: Readable, report: CappedCapture): Promise<boolean> {
	return new Promise(resolve => {
		const check = () => {
			const text = Buffer.concat(report.chunks).toString('utf8');
			if (!report.overflowed && text.endsWith('\n') && parseReport(text) !== null) {
				stream.off('data', check);
				resolve(true);
			}
		};

		// After the capture's own listener, so that the chunk is in it.
		stream.on('data', check);
	});
}

/**
 * What a pipe whose writers are all gone still holds, taken now into its capture: first what Node has read and not yet
 * handed on, then what is left in the kernel, read from the descriptor (non-blocking) until it has no more. The
 * stream's own later read then finds nothing but the end. false: the descriptor could not be read (Node's handle has
 * none, or a read failed otherwise than with EAGAIN), so what is left comes through the stream as ever.
 */
export function drainNow(stream: Readable | null, capture: CappedCapture): boolean {
	if (stream === null) {
		return true;
	}

	while (stream.readableLength > 0 && stream.read() !== null) {
		// Each chunk read goes to the capture's 'data' listener.
	}

	// The descriptor of Node's pipe handle (an internal of net.Socket, there on every Unix).
	const fd = (stream as Readable & {_handle?: {fd?: number}})._handle?.fd;
	if (typeof fd !== 'number' || fd < 0) {
		return false;
	}

	const buffer = Buffer.allocUnsafe(65_536);
	for (;;) {
		let length: number;
		try {
			length = fs.readSync(fd, buffer);
		} catch (error) {
			return (error as NodeJS.ErrnoException).code === 'EAGAIN';
		}

		if (length === 0) {
			return true;
		}

		capture.push(Buffer.from(buffer.subarray(0, length)));
	}
}
