import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import fs from 'node:fs';
import {goldLinker, linkers, type Linker} from './job/language.ts';

export interface SandboxLimits {
	readonly wallMs: number;
	readonly cpuMs: number;
	readonly memoryMb: number;
	readonly processes: number;
	readonly fileSizeMb: number;
	readonly diskMb: number;
	readonly openFiles: number;
	readonly stackMb: number;
}

export interface Config {
	readonly port: number;
	readonly host: string;
	readonly token: string | null;
	readonly jobRoot: string;
	readonly concurrency: number;
	readonly queueLength: number;
	readonly uidBase: number;
	readonly outputBytes: number;
	readonly bodyLimitBytes: number;
	/**
	 * The most program text (output, error, diagnostics) one answer carries, counted as sent (JSON-escaped): a whole
	 * /execute_c answer, a whole /judge_c answer, and each of a stream's events. Past it, text is cut and flagged.
	 */
	readonly responseBytes: number;
	/** How long an answer may take to be read by its client; past it, the connection is cut and its memory freed. */
	readonly sendTimeoutMs: number;
	/**
	 * How long a client may take to send a whole request, headers and body; past it, a 408 and the connection is cut,
	 * and the body's memory freed.
	 */
	readonly receiveTimeoutMs: number;
	/** Connections open at once; null: automatic, within the descriptor limit (src/http/connections.ts). */
	readonly maxConnections: number | null;
	readonly shutdownMs: number;
	readonly healthTtlMs: number;
	readonly logLevel: string;
	readonly run: SandboxLimits;
	readonly compile: SandboxLimits;
	/** The most a request may ask for with `time_limit_ms` and `memory_limit_mb`; more is lowered to these. */
	readonly runMax: {readonly cpuMs: number; readonly memoryMb: number};
	readonly judge: {
		/** Most test cases in one /judge_c request. */
		readonly maxTests: number;
		/** Largest `input` and largest expected output of one test case, bytes each. */
		readonly maxTestBytes: number;
		/** Longest `actual_output` / `error` shown per test case in a judge response, as sent; longer is cut and flagged. */
		readonly resultBytes: number;
		/** Test cases of one judge request running at once: a share of the slots, never all of them. */
		readonly parallel: number;
		/**
		 * Judge requests past their wait at once, from compile to verdicts, each holding its compiled program on the job
		 * root meanwhile; the others wait before their compile, as many as the job queue's length.
		 */
		readonly concurrent: number;
		/** CPU time per test case when the request sets no `time_limit_ms`. */
		readonly cpuMs: number;
		/** Wall-clock time from compile to verdicts for one judge request; what has not finished by then is SKIPPED. */
		readonly budgetMs: number;
	};
	readonly bwrapPath: string;
	readonly helperPath: string;
	/** The launcher that puts a job into its cgroups before bwrap starts; beside the helper unless told. */
	readonly launcherPath: string;
	/** With job cgroups: a compile sandbox and a run sandbox made ahead per job slot (`C_RUNNER_LAUNCH_AHEAD`, on by default). */
	readonly launchAhead: boolean;
	/** How gcc links (`C_RUNNER_LINKER`): gold where the host has it, unless told. */
	readonly linker: Linker;
	/** Where a root server installs the helper, root-owned and readable by the sandbox uids. */
	readonly helperInstallDir: string;
	/** `auto`: the strongest /proc policy that works here, found at start-up; or one forced. */
	readonly sandboxProc: 'auto' | 'private' | 'none';
	/** Browser origins allowed to call the API (CORS); empty: CORS off. `*` allows any origin. */
	readonly corsOrigins: readonly string[];
	/**
	 * The `Host` names requests may carry besides IP addresses (`*`: any, `*.example.com`: its subdomains); null when
	 * C_RUNNER_ALLOWED_HOSTS is unset: then chosen by the address the server listens on (allowed-hosts.ts).
	 */
	readonly allowedHosts: readonly string[] | null;
	/** Judge0's asynchronous submissions: how many this server keeps at once, and for how long each. */
	readonly judge0: {readonly storeSize: number; readonly storeBytes: number; readonly ttlMs: number};
	/** Interactive runs over WebSocket (`/interactive`); see API.md. */
	readonly interactive: {
		readonly enabled: boolean;
		/** No input and no output for this long: the program is stopped (before `start`: the socket is closed). */
		readonly idleMs: number;
		/** Wall-clock limit of an interactive run, in place of the run profile's. */
		readonly wallMs: number;
		/** Interactive sessions open at once (each holds a job slot); past it, the upgrade is refused. */
		readonly sessions: number;
	};
	/** The pseudo-terminal relay interactive runs start under the helper. */
	readonly relayPath: string;
	/** The playground page at `GET /`. */
	readonly playground: boolean;
	/** The compile cache: the most bytes of programs and diagnostics it keeps (0: off), and where. */
	readonly compileCache: {readonly bytes: number; readonly dir: string};
}

export class ConfigError extends Error {
	readonly problems: readonly string[];

	constructor(problems: readonly string[]) {
		super(`Invalid configuration:\n${problems.map(problem => `  - ${problem}`).join('\n')}`);
		this.name = 'ConfigError';
		this.problems = problems;
	}
}

type Env = Readonly<Record<string, string | undefined>>;

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const defaultConcurrency = Math.max(4, 2 * os.availableParallelism());
const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

interface IntegerRule {
	readonly min: number;
	readonly max: number;
}

// One row per limit and profile; the README's configuration tables list the same names and defaults (test/config.test.ts).
const limitRows: ReadonlyArray<readonly [keyof SandboxLimits, string, IntegerRule, number, number]> = [
	// key, env suffix, bounds, run default, compile default
	['wallMs', 'WALL_MS', {min: 100, max: 600_000}, 10_000, 10_000],
	['cpuMs', 'CPU_MS', {min: 100, max: 600_000}, 10_000, 10_000],
	['memoryMb', 'MEMORY_MB', {min: 16, max: 65_536}, 256, 1024],
	['processes', 'PROCESSES', {min: 4, max: 4096}, 64, 32],
	['fileSizeMb', 'FILE_SIZE_MB', {min: 1, max: 65_536}, 16, 64],
	['diskMb', 'DISK_MB', {min: 1, max: 65_536}, 64, 64],
	['openFiles', 'OPEN_FILES', {min: 16, max: 65_536}, 64, 256],
	['stackMb', 'STACK_MB', {min: 1, max: 1024}, 8, 16],
];

/**
 * The most one Judge0 submission's result can add to what the submission store counts (src/compat/judge0.ts): its
 * texts within the answer's bound, the bytes of both streams kept beside them, and its other fields.
 */
export const judge0ResultBytes = (config: Pick<Config, 'responseBytes' | 'outputBytes'>) => config.responseBytes + (2 * config.outputBytes) + 4096;

export function loadConfig(env: Env): Config {
	const problems: string[] = [];

	const integer = (name: string, fallback: number, rule: IntegerRule): number => {
		const raw = env[name];
		if (raw === undefined || raw === '') {
			return fallback;
		}

		if (!/^\d+$/.test(raw.trim()) || Number(raw) < rule.min || Number(raw) > rule.max) {
			problems.push(`${name}=${JSON.stringify(raw)}: expected a whole number from ${rule.min} to ${rule.max}`);
			return fallback;
		}

		return Number(raw);
	};

	const text = (name: string, fallback: string): string => {
		const raw = env[name];
		return raw === undefined || raw === '' ? fallback : raw;
	};

	const limits = (profile: 'RUN' | 'COMPILE'): SandboxLimits => {
		const entries = limitRows.map(([key, suffix, rule, runDefault, compileDefault]) =>
			[key, integer(`C_RUNNER_${profile}_${suffix}`, profile === 'RUN' ? runDefault : compileDefault, rule)]);
		return Object.freeze(Object.fromEntries(entries)) as unknown as SandboxLimits;
	};

	const oneOf = <T extends string>(name: string, fallback: T, allowed: readonly T[]): T => {
		const raw = text(name, fallback);
		if (!allowed.includes(raw as T)) {
			problems.push(`${name}=${JSON.stringify(raw)}: expected one of ${allowed.join(', ')}`);
			return fallback;
		}

		return raw as T;
	};

	/** A comma-separated setting's entries, each trimmed, the empty ones dropped. */
	const commaList = (name: string): string[] => text(name, '').split(',').map(entry => entry.trim()).filter(entry => entry !== '');

	const origins = (name: string): string[] => {
		const list = commaList(name);
		for (const origin of list) {
			if (origin !== '*' && !/^https?:\/\/[^/\s]+$/.test(origin)) {
				problems.push(`${name}: ${JSON.stringify(origin)} is not an origin like https://docs.example.com (scheme and host, no path)`);
			}
		}

		return list;
	};

	/** `C_RUNNER_ALLOWED_HOSTS`: names (an IP address is allowed anyway, and may be listed), or null when unset. */
	const hosts = (name: string): string[] | null => {
		const list = commaList(name).map(entry => entry.toLowerCase());
		for (const entry of list) {
			if (entry !== '*' && net.isIP(entry) === 0 && !/^(?:\*\.)?[a-z\d_-]+(?:\.[a-z\d_-]+)*$/.test(entry)) {
				problems.push(`${name}: ${JSON.stringify(entry)} is not a host name like runner.example.com, *.example.com or * (no port, no scheme)`);
			}
		}

		return list.length > 0 ? list : null;
	};

	const onOff = (name: string, fallback: 'on' | 'off'): boolean => oneOf(name, fallback, ['on', 'off']) === 'on';

	const linker = (): Linker => {
		const chosen = oneOf<'auto' | Linker>('C_RUNNER_LINKER', 'auto', ['auto', ...linkers]);
		const haveGold = fs.existsSync(goldLinker);
		if (chosen === 'gold' && !haveGold) {
			problems.push(`C_RUNNER_LINKER=gold: ${goldLinker} is missing (apt-get install binutils-gold; on Debian 12 it comes with binutils)`);
		}

		return chosen === 'auto' ? (haveGold ? 'gold' : 'bfd') : chosen;
	};

	const concurrency = integer('C_RUNNER_CONCURRENCY', defaultConcurrency, {min: 1, max: 256});
	const config: Config = {
		port: integer('PORT', 5555, {min: 0, max: 65_535}),
		host: text('HOST', '127.0.0.1'),
		token: env['C_RUNNER_TOKEN'] ? env['C_RUNNER_TOKEN'] : null,
		jobRoot: text('C_RUNNER_JOB_ROOT', '/tmp'),
		concurrency,
		queueLength: integer('C_RUNNER_QUEUE_LENGTH', 4 * concurrency, {min: 0, max: 10_000}),
		uidBase: integer('C_RUNNER_UID_BASE', 61_000, {min: 1000, max: 4_294_900_000}),
		outputBytes: integer('C_RUNNER_OUTPUT_BYTES', 1024 * 1024, {min: 1024, max: 64 * 1024 * 1024}),
		bodyLimitBytes: integer('C_RUNNER_BODY_LIMIT_BYTES', 2 * 1024 * 1024, {min: 1024, max: 64 * 1024 * 1024}),
		responseBytes: integer('C_RUNNER_RESPONSE_BYTES', 4 * 1024 * 1024, {min: 64 * 1024, max: 256 * 1024 * 1024}),
		sendTimeoutMs: integer('C_RUNNER_SEND_TIMEOUT_MS', 30_000, {min: 100, max: 600_000}),
		receiveTimeoutMs: integer('C_RUNNER_RECEIVE_TIMEOUT_MS', 30_000, {min: 1000, max: 600_000}),
		maxConnections: env['C_RUNNER_MAX_CONNECTIONS'] === undefined || env['C_RUNNER_MAX_CONNECTIONS'] === '' ? null : integer('C_RUNNER_MAX_CONNECTIONS', 0, {min: 1, max: 1_000_000}),
		shutdownMs: integer('C_RUNNER_SHUTDOWN_MS', 30_000, {min: 0, max: 600_000}),
		healthTtlMs: integer('C_RUNNER_HEALTH_TTL_MS', 30_000, {min: 0, max: 3_600_000}),
		logLevel: oneOf('LOG_LEVEL', 'info', logLevels),
		run: limits('RUN'),
		compile: limits('COMPILE'),
		runMax: {
			cpuMs: integer('C_RUNNER_RUN_MAX_CPU_MS', 10_000, {min: 100, max: 600_000}),
			memoryMb: integer('C_RUNNER_RUN_MAX_MEMORY_MB', 1024, {min: 16, max: 65_536}),
		},
		judge: {
			maxTests: integer('C_RUNNER_JUDGE_MAX_TESTS', 200, {min: 1, max: 10_000}),
			maxTestBytes: integer('C_RUNNER_JUDGE_MAX_TEST_BYTES', 1024 * 1024, {min: 1, max: 64 * 1024 * 1024}),
			resultBytes: integer('C_RUNNER_JUDGE_RESULT_BYTES', 64 * 1024, {min: 256, max: 64 * 1024 * 1024}),
			parallel: integer('C_RUNNER_JUDGE_PARALLEL', Math.max(1, Math.floor(concurrency / 2)), {min: 1, max: 256}),
			concurrent: integer('C_RUNNER_JUDGES', concurrency, {min: 1, max: 256}),
			cpuMs: integer('C_RUNNER_JUDGE_CPU_MS', 2000, {min: 100, max: 600_000}),
			budgetMs: integer('C_RUNNER_JUDGE_BUDGET_MS', 60_000, {min: 1000, max: 3_600_000}),
		},
		bwrapPath: text('C_RUNNER_BWRAP', '/usr/bin/bwrap'),
		helperPath: text('C_RUNNER_HELPER', path.join(projectRoot, 'sandbox', 'build', 'c-runner-sandbox')),
		launcherPath: text('C_RUNNER_LAUNCHER', path.join(path.dirname(text('C_RUNNER_HELPER', path.join(projectRoot, 'sandbox', 'build', 'c-runner-sandbox'))), 'c-runner-launch')),
		launchAhead: onOff('C_RUNNER_LAUNCH_AHEAD', 'on'),
		linker: linker(),
		helperInstallDir: text('C_RUNNER_HELPER_INSTALL_DIR', '/run/c-runner'),
		sandboxProc: oneOf('C_RUNNER_SANDBOX_PROC', 'auto', ['auto', 'private', 'none']),
		corsOrigins: origins('C_RUNNER_CORS_ORIGINS'),
		allowedHosts: hosts('C_RUNNER_ALLOWED_HOSTS'),
		judge0: {
			storeSize: integer('C_RUNNER_JUDGE0_STORE_SIZE', 1000, {min: 1, max: 100_000}),
			storeBytes: integer('C_RUNNER_JUDGE0_STORE_BYTES', 64 * 1024 * 1024, {min: 1024 * 1024, max: 64 * 1024 * 1024 * 1024}),
			ttlMs: integer('C_RUNNER_JUDGE0_TTL_MS', 3_600_000, {min: 1000, max: 86_400_000}),
		},
		interactive: {
			enabled: onOff('C_RUNNER_INTERACTIVE', 'on'),
			idleMs: integer('C_RUNNER_INTERACTIVE_IDLE_MS', 60_000, {min: 100, max: 3_600_000}),
			wallMs: integer('C_RUNNER_INTERACTIVE_WALL_MS', 300_000, {min: 100, max: 3_600_000}),
			sessions: integer('C_RUNNER_INTERACTIVE_SESSIONS', Math.max(1, Math.floor(concurrency / 2)), {min: 1, max: 256}),
		},
		relayPath: text('C_RUNNER_PTY_RELAY', path.join(projectRoot, 'sandbox', 'build', 'c-runner-pty')),
		playground: onOff('C_RUNNER_PLAYGROUND', 'on'),
		compileCache: {
			bytes: integer('C_RUNNER_COMPILE_CACHE_BYTES', 64 * 1024 * 1024, {min: 0, max: 64 * 1024 * 1024 * 1024}),
			dir: text('C_RUNNER_COMPILE_CACHE_DIR', os.tmpdir()),
		},
	};

	if (!path.isAbsolute(config.jobRoot) || config.jobRoot.includes('\0')) {
		problems.push(`C_RUNNER_JOB_ROOT=${JSON.stringify(config.jobRoot)}: expected an absolute path`);
	}

	for (const [name, value] of [['C_RUNNER_BWRAP', config.bwrapPath], ['C_RUNNER_HELPER', config.helperPath], ['C_RUNNER_LAUNCHER', config.launcherPath], ['C_RUNNER_HELPER_INSTALL_DIR', config.helperInstallDir], ['C_RUNNER_PTY_RELAY', config.relayPath], ['C_RUNNER_COMPILE_CACHE_DIR', config.compileCache.dir]] as const) {
		if (!path.isAbsolute(value)) {
			problems.push(`${name}=${JSON.stringify(value)}: expected an absolute path`);
		}
	}

	// Each submission not finished yet counts for the most its result can take: a smaller store would keep none.
	if (config.judge0.storeBytes < judge0ResultBytes(config)) {
		problems.push(`C_RUNNER_JUDGE0_STORE_BYTES=${config.judge0.storeBytes}: expected at least what one submission's result can take, ${judge0ResultBytes(config)} (C_RUNNER_RESPONSE_BYTES + 2 × C_RUNNER_OUTPUT_BYTES + 4096)`);
	}

	if (config.token !== null && config.token.length < 16) {
		problems.push('C_RUNNER_TOKEN: expected at least 16 characters');
	}

	if (problems.length > 0) {
		throw new ConfigError(problems);
	}

	return Object.freeze(config);
}
