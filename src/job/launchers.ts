// Launchers started ahead of their jobs, with job cgroups: for each job slot and step (compile, run) one launcher
// waits in a fresh job cgroup of its own, as the slot's uid, for its command on a pipe. Starting one costs what a
// job should not wait for: forking the server (dearer the larger it is) and the kernel's cgroup move, which waits
// for an RCU grace period of several milliseconds. A job's step takes its slot's launcher and sends it the
// bubblewrap command; a new one is started at once for the slot's next job. No sandbox exists before the command:
// bwrap starts then, as fresh as ever, and the launcher holds nothing of any earlier job — a new process, a new
// cgroup, an empty environment and descriptors 0–7 only (stdin /dev/null, the pipes of the step, the cgroup's two
// counters, the command pipe).
import type {Logger} from 'pino';
import type {SandboxLimits} from '../config.ts';
import type {SandboxUser} from '../sandbox/spawn.ts';
import type {JobDeps, StartedLauncher} from './run-job.ts';
import {startLauncher} from './run-job.ts';
import {outsideRequest} from './timings.ts';

/** The steps that have launchers started ahead: every job compiles (or takes its compile from the cache) and runs. */
const steps = ['compile', 'run'] as const;
/** How long after a launcher is taken its replacement is started: after the answer of a short job. */
const refillDelayMs = 30;
type Step = typeof steps[number];

export class LauncherPool {
	readonly #deps: JobDeps;
	readonly #limits: Readonly<Record<Step, SandboxLimits>>;
	readonly #users: readonly SandboxUser[];
	readonly #ready = new Map<string, Promise<StartedLauncher | null>>();
	readonly #started = new Map<string, StartedLauncher>();
	readonly #closing = new AbortController();
	readonly #logger: Logger;

	constructor(deps: JobDeps, users: readonly SandboxUser[]) {
		this.#deps = deps;
		this.#logger = deps.logger;
		this.#limits = {compile: deps.profiles.compile.limits, run: deps.profiles.run.limits};
		this.#users = users;
		for (const user of users) {
			for (const step of steps) {
				this.#start(step, user);
			}
		}
	}

	/**
	 * The launcher waiting for this slot's step, if one is ready and its cgroup was made for these limits (its
	 * process limit; the memory limit the step sets anew); a new one is started for the slot's next job.
	 * undefined: start your own.
	 */
	take(step: string, user: SandboxUser | null, limits: SandboxLimits): StartedLauncher | undefined {
		const key = keyOf(step, user);
		const launcher = this.#started.get(key);
		if (launcher === undefined || user === null || launcher.limits.processes !== limits.processes) {
			return undefined;
		}

		this.#started.delete(key);
		this.#ready.delete(key);
		// Started for the slot's next job a little later: forking the server blocks it for some milliseconds, which
		// then fall after a short job's answer rather than before it (a cached hello world: 13.7 ms against 17 ms).
		setTimeout(() => {
			this.#start(step as Step, user);
		}, refillDelayMs);
		if (launcher.ended) {
			// Gone while it waited (killed from outside): its cgroup goes, and the step starts its own.
			this.#logger.warn({step, uid: user.uid}, 'a launcher started ahead ended before its job');
			void launcher.go(null).catch(() => {}).then(async () => launcher.cgroup.remove());
			return undefined;
		}

		return launcher;
	}

	/** How many launchers wait now. */
	get waiting(): number {
		return [...this.#started.values()].filter(launcher => !launcher.ended).length;
	}

	/** Tells every waiting launcher no and removes its cgroup; none is started after. */
	async close(): Promise<void> {
		this.#closing.abort(new Error('the server is shutting down'));
		const pending = [...this.#ready.values()];
		this.#ready.clear();
		this.#started.clear();
		await Promise.all(pending.map(async ready => {
			const launcher = await ready;
			if (launcher !== null) {
				await launcher.go(null).catch(() => {});
				await launcher.cgroup.remove();
			}
		}));
	}

	#start(step: Step, user: SandboxUser): void {
		if (this.#closing.signal.aborted || !this.#users.some(slot => slot.uid === user.uid)) {
			return;
		}

		const key = keyOf(step, user);
		const name = `ahead-${user.uid}-${step}-${crypto.randomUUID().slice(0, 8)}`;
		const ready = outsideRequest(async () => startLauncher({name: step, limits: this.#limits[step]}, name, user, this.#deps, this.#closing.signal))
			.then(launcher => {
				if (this.#ready.get(key) === ready) {
					this.#started.set(key, launcher);
				}

				return launcher;
			}, (error: unknown) => {
				// The step then starts its own launcher, as without this pool; the next take tries again.
				this.#logger.warn({err: String(error), step, uid: user.uid}, 'could not start a launcher ahead of its job');
				return null;
			});
		this.#ready.set(key, ready);
	}
}

const keyOf = (step: string, user: SandboxUser | null) => `${step}:${user?.uid ?? 'own'}`;
