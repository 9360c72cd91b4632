// What is started ahead of a slot's next job, with job cgroups, each as the slot's uid in a fresh job cgroup of its own:
// a whole sandbox for each step — a new job directory, bwrap with every mount made, and the sandbox helper inside
// waiting for the step's command (its limits, its stdin, the program) on a pipe. The compile's job directory is
// empty; the run's holds the empty program and stdin files its sandbox binds, which the job writes into.
// Starting them costs what a job should not wait for: forking the server (dearer the larger it is), the kernel's
// cgroup move (which waits for an RCU grace period of several milliseconds), and bwrap's namespaces and mounts. A
// job's step takes its slot's and sends the command; a replacement is started a little after the step is over.
// Nothing of any earlier job is in either: new processes, a new cgroup, the sandbox's clean environment, only the
// descriptors the server gives (stdin /dev/null, the step's pipes, the cgroup's two counters, the command pipe), a
// new job directory holding nothing but the owner mark and the empty files until the job writes into them.
import type {Logger} from 'pino';
import type {SandboxLimits} from '../config.ts';
import type {SandboxUser} from '../sandbox/spawn.ts';
import type {JobDeps, StartedLauncher} from './run-job.ts';
import {startSandboxAhead} from './run-job.ts';
import {outsideJob} from './after-answer.ts';
import {outsideRequest} from './timings.ts';

/** The steps that have sandboxes made ahead: every job compiles (or takes its compile from the cache) and runs. */
const steps = ['compile', 'run'] as const;
/**
 * When the replacement of a sandbox a step took is started: once the step is over and `refillDelayMs` more have
 * passed (after the job's answer), and no job is running then — else as soon as none is, but no later than
 * `refillWaitMs` after that. Forking the server blocks it for some milliseconds and bwrap's set-up takes a core for
 * some more: they then fall between jobs rather than in one (a cached hello world: 13.7 ms against 17 ms with the
 * replacement started at once; a tcc hello world right after a cold one, while its replacements were being made:
 * 60 ms against 19 ms once they waited for the server to be idle).
 */
const refillDelayMs = 30;
const refillWaitMs = 200;
/** After the last job's slot is released, so that its answer is written first. */
const idleSettleMs = 2;
type Step = typeof steps[number];

export class LauncherPool {
	readonly #deps: JobDeps;
	readonly #ready = new Map<string, Promise<StartedLauncher | null>>();
	readonly #started = new Map<string, StartedLauncher>();
	readonly #closing = new AbortController();
	/** Launchers that ended while they waited, in a row, by slot and step: the next is started later. */
	readonly #failures = new Map<string, number>();
	readonly #logger: Logger;

	readonly #idle: () => Promise<void>;
	/** Replacements waiting for the server to be idle, by slot and step; one wait for it at a time. */
	readonly #refills = new Map<string, () => void>();
	#waitingForIdle = false;

	/** `idle`: resolved when no job is running (at once if none is). */
	constructor(deps: JobDeps, users: readonly SandboxUser[], idle: () => Promise<void>) {
		this.#deps = deps;
		this.#idle = idle;
		this.#logger = deps.logger;
		for (const user of users) {
			for (const step of steps) {
				this.#start(step, user);
			}
		}
	}

	/**
	 * The sandbox waiting for this slot's step, if one is ready and was made for these limits (its cgroup's process
	 * limit and its tmpfs sizes; the memory limit the step sets anew, the others come with the command); a new one is
	 * started for the slot's next job. undefined: start your own.
	 */
	take(step: string, user: SandboxUser | null, limits: SandboxLimits): StartedLauncher | undefined {
		const key = keyOf(step, user);
		const launcher = this.#started.get(key);
		// One gone while it waited (killed from outside) is never handed out: #endedWaiting replaces it.
		if (launcher === undefined || launcher.ended || user === null || launcher.limits.processes !== limits.processes || launcher.limits.diskMb !== limits.diskMb) {
			return undefined;
		}

		this.#started.delete(key);
		this.#ready.delete(key);
		this.#failures.delete(key);
		// Started for the slot's next job once the server is between jobs (see refillDelayMs). Outside the job taking
		// this one, which it outlives: all it sets off to wait for the next would keep this job's clean-ups alive.
		outsideJob(() => {
			void launcher.settled.then(() => {
				setTimeout(() => {
					this.#startWhenIdle(key, () => {
						this.#start(step as Step, user);
					});
				}, refillDelayMs);
			});
		});
		return launcher;
	}

	/**
	 * Runs `start` once no job is running, or after refillWaitMs. However long the server stays busy, what waits is
	 * bounded: one entry per slot and step, and one wait for idleness.
	 */
	#startWhenIdle(key: string, start: () => void): void {
		let deadline: NodeJS.Timeout | undefined;
		const run = () => {
			if (this.#refills.get(key) === run) {
				this.#refills.delete(key);
				clearTimeout(deadline);
				start();
			}
		};

		deadline = setTimeout(run, refillWaitMs);
		this.#refills.set(key, run);
		if (!this.#waitingForIdle) {
			this.#waitingForIdle = true;
			void this.#idle().then(() => {
				this.#waitingForIdle = false;
				setTimeout(() => {
					for (const refill of [...this.#refills.values()]) {
						refill();
					}
				}, idleSettleMs);
			});
		}
	}

	/** How many launchers wait now. */
	get waiting(): number {
		return [...this.#started.values()].filter(launcher => !launcher.ended).length;
	}

	/**
	 * Tells every waiting launcher no and removes its cgroup and job directory; none is started after. Each is waited
	 * for, whatever another's discard did (the instance's cgroups and the cache go once this returns); the first
	 * failure is then the one told.
	 */
	async close(): Promise<void> {
		this.#closing.abort(new Error('the server is shutting down'));
		const pending = [...this.#ready.values()];
		this.#ready.clear();
		this.#started.clear();
		const outcomes = await Promise.allSettled(pending.map(async ready => {
			const launcher = await ready;
			await launcher?.discard();
		}));
		const failed = outcomes.find(outcome => outcome.status === 'rejected');
		if (failed) {
			throw failed.reason;
		}
	}

	/** Outside any job, always (see take): what it sets off waits for the slot's next job. */
	#start(step: Step, user: SandboxUser): void {
		outsideJob(() => {
			this.#startOutsideJobs(step, user);
		});
	}

	#startOutsideJobs(step: Step, user: SandboxUser): void {
		if (this.#closing.signal.aborted) {
			return;
		}

		const key = keyOf(step, user);
		const name = `ahead-${user.uid}-${step}-${crypto.randomUUID().slice(0, 8)}`;
		const signal = this.#closing.signal;
		const ready = outsideRequest(async () => startSandboxAhead(step, name, user, this.#deps, signal))
			.then(launcher => {
				if (this.#ready.get(key) === ready) {
					this.#started.set(key, launcher);
					void launcher.settled.then(async () => this.#endedWaiting(step, user, launcher));
				}

				return launcher;
			}, (error: unknown) => {
				// The step then starts its own launcher, as without this pool. Another is started later (a job root that was
				// full for a moment, say): take hands out only what was started, so without one the slot would never again
				// have a sandbox made ahead.
				if (this.#ready.get(key) === ready) {
					this.#ready.delete(key);
					const failures = this.#failed(key);
					if (worthSaying(failures)) {
						this.#logger.warn({err: String(error), step, uid: user.uid, failures}, 'could not start a launcher ahead of its job');
					}

					this.#startLater(step, user);
				}

				return null;
			});
		this.#ready.set(key, ready);
	}

	/** One more launcher of this slot and step that failed or ended before its job, in a row: how many now. */
	#failed(key: string): number {
		const failures = (this.#failures.get(key) ?? 0) + 1;
		this.#failures.set(key, failures);
		return failures;
	}

	/** Starts the next launcher later and later while they keep failing, so a host that refuses them is not asked again every few milliseconds. */
	#startLater(step: Step, user: SandboxUser): void {
		setTimeout(() => {
			this.#start(step, user);
		}, Math.min(refillDelayMs * (2 ** (this.#failures.get(keyOf(step, user)) ?? 1)), 10_000));
	}

	/**
	 * A launcher or sandbox that ended while it waited, before any job took it (killed from outside, or bwrap or the
	 * helper failed): said with what it wrote, its cgroup and job directory removed, and another started — later and
	 * later while they keep failing, so a host that refuses them is not asked again every few milliseconds.
	 */
	async #endedWaiting(step: Step, user: SandboxUser, launcher: StartedLauncher): Promise<void> {
		const key = keyOf(step, user);
		if (this.#started.get(key) !== launcher) {
			return;
		}

		this.#started.delete(key);
		this.#ready.delete(key);
		const failures = this.#failed(key);
		const run = await launcher.go(null).catch(() => null);
		if (worthSaying(failures)) {
			this.#logger.warn({step, uid: user.uid, failures, stderr: run?.stderr.toString('utf8').slice(0, 2000)}, 'a launcher started ahead ended before its job');
		}

		await launcher.discard().catch(() => {});
		this.#startLater(step, user);
	}
}

/**
 * Whether the failure of this number in a row of a slot's step is logged: the 1st, 2nd, 4th, 8th… A host that keeps
 * refusing them (a job root full for an hour) is told of some ten times an hour per slot and step, not every 10 s.
 */
const worthSaying = (failures: number) => (failures & (failures - 1)) === 0;

const keyOf = (step: string, user: SandboxUser | null) => `${step}:${user?.uid ?? 'own'}`;
