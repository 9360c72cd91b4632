import path from 'node:path';
import {StringDecoder} from 'node:string_decoder';
import type {Readable, Writable} from 'node:stream';
import type {WebSocket} from 'ws';
import type {SandboxLimits} from '../config.ts';
import {ClientGoneError} from '../http/context.ts';
import {logFault} from '../http/error-handler.ts';
import {toHttpError} from '../http/errors.ts';
import {cleanUpAfterJob} from '../job/errors.ts';
import type {ExecuteRequest} from '../job/parse-request.ts';
import {toCompileErrorResult, toRunResult, type ExecuteResult} from '../job/result.ts';
import {compileProgram, runLimitsFor, sandboxStep, type Compiled, type JobDeps} from '../job/run-job.ts';
import type {SandboxPolicy} from '../sandbox/profiles.ts';
import type {SandboxRun, SandboxUser} from '../sandbox/spawn.ts';
import {InputQueue} from './input-queue.ts';
import {clientSignals, closeCodes, endOfInputFrame, inputFrames, parseClientMessage, ProtocolError, signalFrame, type ClientMessage} from './protocol.ts';

export interface SessionDeps extends JobDeps {
	/** The pseudo-terminal relay as the sandbox uids can reach it (installed, as root). */
	readonly relayPath: string;
}

/** Output queued in the socket past this pauses the program's pipes until the client has read half of it. */
const socketHighWaterBytes = 256 * 1024;
/** Input queued for the program past this stops reading the socket until the program has taken it. */
const stdinHighWaterBytes = 1024 * 1024;
/** How often a paused socket is pinged, to find a client that has gone. */
const pausedProbeMs = 1000;
/** How long a stop sent through the relay may take before the server kills the whole sandbox. */
const relayGraceMs = 2000;

/** What the session reports in its log line. */
export interface SessionOutcome {
	status: string;
}

/**
 * How long a session may wait for its `start`, which a client sends as soon as the socket opens: 10 s, or the idle
 * limit when that is shorter. The session holds a job slot from its upgrade, so a client that opens sockets and
 * never starts them would otherwise hold slots for the whole idle limit (60 s) each.
 */
export const startWithinMs = (idleMs: number) => Math.min(idleMs, 10_000);

/** The result of an interactive run: /execute_c's fields, and whether the idle limit stopped it. */
export type InteractiveResult = ExecuteResult & {readonly idle_timeout: boolean};

/** The wall limit of an interactive run is the interactive one: a person types slowly. */
export const interactiveLimits = (deps: SessionDeps, request: ExecuteRequest): SandboxLimits =>
	({...runLimitsFor(deps.config, request.limits), wallMs: deps.config.interactive.wallMs});

/**
 * One interactive session on an open socket that already holds a job slot, top to bottom: wait for `start` →
 * compile (the `compile` message) → run under the pseudo-terminal relay, streaming output and passing input on →
 * `exit` → close. Any bad message gets an `error` message and a close; a closed socket or a shutdown cancels the
 * run, and the job directory always goes.
 */
export async function runSession(socket: WebSocket, user: SandboxUser | null, deps: SessionDeps, shutdownSignal: AbortSignal | undefined, outcome: SessionOutcome): Promise<void> {
	const session = new Session(socket, deps, shutdownSignal);
	const {signal} = session;
	try {
		const request = await session.waitForStart();
		const limits = interactiveLimits(deps, request);
		const compiled = await compileProgram(request.program, {user, deps, signal});
		try {
			const {outcome: compile} = compiled;
			session.send({type: 'compile', status: compile.ok ? 'ok' : 'compile_error', warnings: compile.ok ? compile.diagnostics : '', error: compile.ok ? null : compile.diagnostics});
			const result: InteractiveResult = compile.ok
				? await session.run(compiled, request, limits, user)
				: {...toCompileErrorResult(compile, limits, deps.profiles.run.policy, deps.config.outputBytes), compile_cached: compiled.cached, idle_timeout: false};
			outcome.status = result.status;
			session.send({type: 'exit', ...result});
		} finally {
			await cleanUpAfterJob(deps.logger, async () => compiled.workspace.dispose());
		}

		// Closed once the job directory is gone: a client that sees the close sees a clean host (unless it could not go,
		// a job root read-only: then it is logged and kept for a later removal).
		session.close(closeCodes.done, 'run finished');
	} catch (error) {
		outcome.status = session.fail(error);
	} finally {
		session.dispose();
	}
}

class Session {
	/** Aborted by a closed socket, a shutdown or a bad message: whatever runs is cancelled. */
	readonly signal: AbortSignal;
	readonly #socket: WebSocket;
	/** While the socket is paused: the pings that find a client gone (see #pauseSocket). */
	#probe: NodeJS.Timeout | undefined;
	readonly #deps: SessionDeps;
	readonly #bad = new AbortController();
	/** Frames for the relay, kept until the sandbox has started, or while the relay's pipe is full; written in order. */
	readonly #queued = new InputQueue();
	#stdin: Writable | null = null;
	/** The relay's pipe is full: frames queue until it drains. */
	#draining = false;
	#inputEnded = false;
	#idleTimer: NodeJS.Timeout | undefined;
	#onIdle: () => void;
	#onMessage: (message: ClientMessage) => void = () => {};
	#onKill: () => void = () => {};

	constructor(socket: WebSocket, deps: SessionDeps, shutdownSignal: AbortSignal | undefined) {
		this.#socket = socket;
		this.#deps = deps;
		const gone = new AbortController();
		socket.once('close', () => gone.abort(new ClientGoneError()));
		// A frame ws refuses itself (invalid UTF-8, past twice the message limit) closes the socket with its own code:
		// the client's bad message, as one the protocol refuses is, not a client that left.
		socket.once('error', error => this.#reject(new ProtocolError(error.message)));
		this.signal = AbortSignal.any([gone.signal, this.#bad.signal, ...(shutdownSignal ? [shutdownSignal] : [])]);
		this.#onIdle = () => this.#reject(new ProtocolError(`No start message within ${startWithinMs(deps.config.interactive.idleMs)} ms`));
		socket.on('message', (raw: Buffer, isBinary: boolean) => {
			if (this.signal.aborted) {
				return;
			}

			try {
				this.#onMessage(parseClientMessage(raw, isBinary, deps.config.bodyLimitBytes));
			} catch (error) {
				this.#reject(error instanceof ProtocolError ? error : new ProtocolError('Bad message'));
			}
		});
	}

	/** A bad message: the session ends with an `error` message, whatever it was doing. */
	#reject(error: ProtocolError): void {
		this.#bad.abort(error);
	}

	send(message: Record<string, unknown>, sent?: () => void): void {
		if (this.#socket.readyState === this.#socket.OPEN) {
			this.#socket.send(JSON.stringify(message), sent);
		}
	}

	close(code: number, reason: string): void {
		if (this.#socket.readyState === this.#socket.OPEN) {
			this.#socket.close(code, reason);
		}
	}

	/** The idle limit: no input and no output for this long (before `start`: `startWithinMs`). */
	#touch(limitMs = this.#deps.config.interactive.idleMs): void {
		clearTimeout(this.#idleTimer);
		this.#idleTimer = setTimeout(() => this.#onIdle(), limitMs);
	}

	waitForStart(): Promise<ExecuteRequest> {
		return new Promise((resolve, reject) => {
			const onAbort = () => reject(this.signal.reason);
			this.signal.addEventListener('abort', onAbort, {once: true});
			this.#onMessage = message => {
				if (message.type !== 'start') {
					throw new ProtocolError(`Send a start message before ${message.type}`);
				}

				this.signal.removeEventListener('abort', onAbort);
				clearTimeout(this.#idleTimer);
				this.#onIdle = () => {};
				// Input sent while the program compiles is kept for it (bounded: see #write).
				this.#onMessage = next => this.#handle(next);
				resolve(message.request);
			};
			this.#touch(startWithinMs(this.#deps.config.interactive.idleMs));
		});
	}

	#write(frames: readonly Buffer[]): void {
		if (this.#stdin !== null && !this.#draining) {
			this.#writeNow(frames.length === 1 ? frames[0]! : Buffer.concat(frames));
			return;
		}

		for (const frame of frames) {
			this.#queued.push(frame);
		}

		if (this.#queued.bytes > stdinHighWaterBytes) {
			if (this.#stdin === null) {
				throw new ProtocolError(`More than ${stdinHighWaterBytes} bytes of input sent before the program started`);
			}

			// The program is not reading: stop reading the socket until the relay has taken what is queued.
			this.#pauseSocket();
		}
	}

	/**
	 * Stops reading the socket. A paused socket sees no close from its client, so a ping goes out every second
	 * meanwhile: to a client that has gone, its write fails, the socket closes, and the session ends as for any
	 * client gone, rather than at the idle limit.
	 */
	#pauseSocket(): void {
		if (this.#socket.isPaused) {
			return;
		}

		this.#socket.pause();
		this.#probe ??= setInterval(() => {
			if (!this.#socket.isPaused || this.#socket.readyState !== this.#socket.OPEN) {
				this.#stopProbe();
				return;
			}

			this.#socket.ping();
		}, pausedProbeMs);
	}

	#stopProbe(): void {
		clearInterval(this.#probe);
		this.#probe = undefined;
	}

	/** One write to the relay; a full pipe queues what follows, written whole at its drain. */
	#writeNow(bytes: Buffer): void {
		const stdin = this.#stdin!;
		if (stdin.write(bytes)) {
			return;
		}

		this.#draining = true;
		stdin.once('drain', () => {
			this.#draining = false;
			if (this.#queued.bytes > 0) {
				this.#writeNow(this.#queued.take());
			}

			if (this.#socket.isPaused) {
				this.#socket.resume();
				this.#stopProbe();
			}
		});
	}

	#handle(message: ClientMessage): void {
		if (message.type === 'start') {
			throw new ProtocolError('The run has already started; one start per session');
		}

		if (message.type === 'signal') {
			this.#write([signalFrame(clientSignals[message.signal])]);
			if (message.signal === 'kill') {
				this.#onKill();
			}

			return;
		}

		if (this.#inputEnded) {
			throw new ProtocolError(`Input has already ended (eof); no ${message.type} after it`);
		}

		this.#touch();
		if (message.type === 'eof') {
			this.#inputEnded = true;
			this.#write([endOfInputFrame]);
		} else {
			this.#write(inputFrames(Buffer.from(message.data, 'utf8')));
		}
	}

	/** Runs the compiled program under the relay and maps its end to a result, as /execute_c does. */
	async run(compiled: Compiled, request: ExecuteRequest, limits: SandboxLimits, user: SandboxUser | null): Promise<InteractiveResult> {
		const deps = this.#deps;
		const {workspace} = compiled;
		const relayInSandbox = path.join(workspace.dir, path.basename(deps.relayPath));
		let stopSandbox = () => {};
		let forced: 'idle' | 'kill' | null = null;
		let idle = false;
		let graceTimer: NodeJS.Timeout | undefined;
		// A stop goes through the relay, so the helper still reports; a relay that does not answer loses the sandbox.
		const stopThroughRelay = (reason: 'idle' | 'kill') => {
			this.#write([signalFrame(clientSignals.kill)]);
			graceTimer ??= setTimeout(() => {
				forced = reason;
				stopSandbox();
			}, relayGraceMs);
		};

		this.#onKill = () => stopThroughRelay('kill');
		this.#onIdle = () => {
			idle = true;
			stopThroughRelay('idle');
		};

		if (request.stdin !== null) {
			this.#queued.unshift(Buffer.concat(inputFrames(Buffer.from(request.stdin, 'utf8'))));
		}

		let unsent = 0;
		let pipes: readonly Readable[] = [];
		// Once the sandbox has ended, its pipes are read to their end: paused, they would never close.
		let sandboxEnded = false;
		const decoders = {stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8')};
		const forward = (stream: 'stdout' | 'stderr', data: string) => {
			if (data === '') {
				return;
			}

			this.#touch();
			const bytes = Buffer.byteLength(data);
			unsent += bytes;
			this.send({type: stream, data}, () => {
				unsent -= bytes;
				if (unsent <= socketHighWaterBytes / 2) {
					for (const pipe of pipes) {
						pipe.resume();
					}
				}
			});
			// A slow reader: the program's pipes stop until the socket drains, so the program waits, not the server.
			if (unsent > socketHighWaterBytes && !sandboxEnded) {
				for (const pipe of pipes) {
					pipe.pause();
				}
			}
		};

		this.#touch();
		const started = performance.now();
		let run: SandboxRun;
		try {
			run = await sandboxStep(
				{...deps.profiles.run, limits},
				{dir: workspace.dir, files: [workspace.binaryPath, deps.relayPath], argv: [relayInSandbox, '--', workspace.binaryPath, ...request.args]},
				user,
				deps,
				this.signal,
				{streaming: {
					started: io => {
						stopSandbox = io.stop;
						pipes = [io.stdout, io.stderr];
						this.#stdin = io.stdin;
						if (this.#queued.bytes > 0) {
							this.#writeNow(this.#queued.take());
						}
					},
					output: (stream, chunk) => forward(stream, decoders[stream].write(chunk)),
					exited() {
						sandboxEnded = true;
					},
				}},
			);
		} finally {
			clearTimeout(graceTimer);
			clearTimeout(this.#idleTimer);
			this.#stopProbe();
			this.#onIdle = () => {};
		}

		forward('stdout', decoders.stdout.end());
		forward('stderr', decoders.stderr.end());

		const result = toInteractiveResult(run, limits, deps.profiles.run.policy, deps.config.outputBytes, compiled, idle, forced);
		deps.events?.ran?.(result, performance.now() - started);
		return result;
	}

	/** An `error` message and a close for a failure; the outcome for the log. */
	fail(error: unknown): string {
		const reason: unknown = this.signal.aborted ? this.signal.reason : error;
		if (reason instanceof ClientGoneError) {
			return 'client_gone';
		}

		if (reason instanceof ProtocolError) {
			this.send({type: 'error', error: reason.message});
			this.close(reason.closeCode, 'bad message');
			return 'bad_message';
		}

		if (this.signal.aborted) {
			this.send({type: 'error', error: 'Server is shutting down; the run was cancelled'});
			this.close(closeCodes.shuttingDown, 'server shutting down');
			return 'shutdown';
		}

		logFault(this.#deps.logger, error);
		// The host's failure that a client may retry (a job root full or read-only), as the HTTP routes answer it.
		const refused = toHttpError(error);
		if (refused !== null && refused.fault !== null) {
			this.send({type: 'error', error: refused.message});
			this.close(closeCodes.tryAgainLater, 'job root cannot take the run');
			return 'job_root_unavailable';
		}

		this.send({type: 'error', error: 'Internal server error'});
		this.close(closeCodes.internal, 'internal error');
		return 'internal_error';
	}

	dispose(): void {
		clearTimeout(this.#idleTimer);
	}
}

/**
 * The run's result by /execute_c's rules. A run the idle limit stopped is a time limit (`wall_time`), flagged
 * `idle_timeout`. When the relay did not answer a stop in time and the server killed the sandbox, the helper wrote no
 * report: the result says what the server did, without CPU time or memory.
 */
export function toInteractiveResult(run: SandboxRun, limits: SandboxLimits, policy: SandboxPolicy, outputBytes: number, compiled: Compiled, idle: boolean, forced: 'idle' | 'kill' | null): InteractiveResult {
	const warnings = compiled.outcome.diagnostics;
	const compiledFrom = {compile_cached: compiled.cached};
	if (forced !== null && run.report === null) {
		const stopped = {...toRunResult({...run, backstopFired: true}, limits, policy, outputBytes, warnings, compiled.staticKb), ...compiledFrom};
		return forced === 'idle'
			? {...stopped, idle_timeout: true}
			: {...stopped, status: 'signalled', timed_out: false, stopped_by: null, idle_timeout: false};
	}

	const result = {...toRunResult(run, limits, policy, outputBytes, warnings, compiled.staticKb), ...compiledFrom};
	if (idle && result.status !== 'output_limit') {
		return {...result, status: 'time_limit', timed_out: true, stopped_by: 'wall_time', idle_timeout: true};
	}

	return {...result, idle_timeout: false};
}
