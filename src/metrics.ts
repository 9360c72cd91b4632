import type {Middleware} from 'koa';
import {Counter, Gauge, Histogram, Registry, collectDefaultMetrics} from 'prom-client';
import {answeredStatus, clientWentAway, type AppState} from './http/context.ts';
import type {CacheListener} from './job/compile-cache.ts';
import type {Program} from './job/language.ts';
import type {ExecuteResult} from './job/result.ts';
import type {Queues} from './job/slots.ts';

/** What the job code tells the metrics: each compile that ran, each run, each sandbox that failed to start. */
export interface JobEvents {
	/** A request answered outside Koa (an interactive upgrade, refused or ended), by route and status. */
	request?(route: string, status: number): void;
	compiled?(program: Program, ms: number): void;
	ran?(result: ExecuteResult, ms: number): void;
	sandboxFailed?(step: 'compile' | 'run'): void;
}

/** Compile and run times, seconds: a hello world's 5 ms (tcc) and 35 ms (gcc) up to the 10 s limits. */
const durationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * The server's Prometheus metrics, on a registry of its own (not prom-client's global one), served at GET /metrics.
 * `c_runner_queue_depth` is what an autoscaler should scale on: requests waiting for a job slot.
 */
export class Metrics {
	readonly registry = new Registry();
	readonly #requests = new Counter({name: 'c_runner_http_requests_total', help: 'HTTP requests by route and status.', labelNames: ['route', 'status'], registers: [this.registry]});
	readonly #compileSeconds = new Histogram({name: 'c_runner_compile_duration_seconds', help: 'Compiles that ran (not cache hits): the whole compile step, sandbox included.', labelNames: ['language', 'compiler'], buckets: durationBuckets, registers: [this.registry]});
	readonly #runSeconds = new Histogram({name: 'c_runner_run_duration_seconds', help: 'Program runs: the whole run step, sandbox included.', labelNames: ['status'], buckets: durationBuckets, registers: [this.registry]});
	readonly #limitKills = new Counter({name: 'c_runner_limit_kills_total', help: 'Runs that ended at a limit, by their stopped_by (wall_time, cpu_time, memory, output, file_size).', labelNames: ['kind'], registers: [this.registry]});
	readonly #sandboxFailures = new Counter({name: 'c_runner_sandbox_start_failures_total', help: 'Sandboxes that gave no report of their own: bwrap or the helper failed.', labelNames: ['step'], registers: [this.registry]});
	readonly #cacheHits = new Counter({name: 'c_runner_compile_cache_hits_total', help: 'Compiles answered from the compile cache.', registers: [this.registry]});
	readonly #cacheMisses = new Counter({name: 'c_runner_compile_cache_misses_total', help: 'Compile cache lookups that found nothing.', registers: [this.registry]});
	readonly #cacheEvictions = new Counter({name: 'c_runner_compile_cache_evictions_total', help: 'Entries evicted to keep the compile cache within its bound.', registers: [this.registry]});
	readonly #cacheBytes = new Gauge({name: 'c_runner_compile_cache_bytes', help: 'Bytes the compile cache holds (programs and diagnostics).', registers: [this.registry]});

	constructor({slots, judges}: Queues) {
		collectDefaultMetrics({register: this.registry, prefix: 'c_runner_'});
		new Gauge({name: 'c_runner_queue_depth', help: 'Requests waiting: for a job slot, or judge requests for their turn (C_RUNNER_JUDGES).', registers: [this.registry], collect() {
			this.set(slots.stats.queued + judges.stats.queued);
		}});
		new Gauge({name: 'c_runner_judges_in_flight', help: 'Judge requests past their wait, from compile to verdicts.', registers: [this.registry], collect() {
			this.set(judges.stats.running);
		}});
		new Gauge({name: 'c_runner_judges_queued', help: 'Judge requests waiting for their turn (C_RUNNER_JUDGES).', registers: [this.registry], collect() {
			this.set(judges.stats.queued);
		}});
		new Gauge({name: 'c_runner_jobs_in_flight', help: 'Job slots in use.', registers: [this.registry], collect() {
			this.set(slots.stats.running);
		}});
		new Gauge({name: 'c_runner_job_slots', help: 'Job slots in all.', registers: [this.registry], collect() {
			this.set(slots.stats.capacity);
		}});
	}

	readonly jobEvents: JobEvents = {
		request: (route, status) => {
			this.#requests.inc({route, status: String(status)});
		},
		compiled: (program, ms) => {
			this.#compileSeconds.observe({language: program.options.language, compiler: program.options.compiler}, ms / 1000);
		},
		ran: (result, ms) => {
			this.#runSeconds.observe({status: result.status}, ms / 1000);
			if (result.stopped_by !== null) {
				this.#limitKills.inc({kind: result.stopped_by});
			}
		},
		sandboxFailed: step => {
			this.#sandboxFailures.inc({step});
		},
	};

	readonly cacheListener: CacheListener = {
		hit: () => this.#cacheHits.inc(),
		miss: () => this.#cacheMisses.inc(),
		evicted: () => this.#cacheEvictions.inc(),
		size: bytes => this.#cacheBytes.set(bytes),
	};

	/**
	 * Counts every request by its route pattern (never the raw path: Judge0's tokens would make a series each).
	 * `routeOf`: the pattern of a request the router did not reach (refused for its token, a method the route does
	 * not take).
	 */
	countRequests(routeOf: (path: string, method: string) => string | undefined = () => undefined): Middleware<AppState> {
		return async (ctx, next) => {
			try {
				await next();
			} finally {
				const route = (ctx as {_matchedRoute?: string})._matchedRoute ?? routeOf(ctx.path, ctx.method) ?? 'unmatched';
				this.#requests.inc({route, status: clientWentAway(ctx.state) ? '499' : String(answeredStatus(ctx))});
			}
		};
	}
}
