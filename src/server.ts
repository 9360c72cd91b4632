import dns from 'node:dns/promises';
import fs from 'node:fs';
import type {IncomingMessage, Server, ServerResponse} from 'node:http';
import type {Socket} from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {pino, type Logger} from 'pino';
import {createApp} from './app.ts';
import {defaultAllowedHosts} from './http/allowed-hosts.ts';
import {http} from './http/required.ts';
import {Judge0Jobs} from './compat/routes.ts';
import {SubmissionStore} from './compat/judge0.ts';
import {ConfigError, judge0ResultBytes, loadConfig, type Config} from './config.ts';
import {createHealthCheck, describePolicy, selfTestJobRoot, selfTestLimitStop, type HealthReport} from './health.ts';
import type {JobDeps} from './job/run-job.ts';
import {allCompilers, languageSpecs} from './job/language.ts';
import {CompileCache, openCacheDir, type CacheDir, type CacheListener} from './job/compile-cache.ts';
import {logOptions} from './log.ts';
import {Metrics} from './metrics.ts';
import {openCgroupBackend} from './sandbox/cgroup.ts';
import {createRunner, judgePermits} from './runner.ts';
import {LauncherPool} from './job/launchers.ts';
import {Slots, type Queues} from './job/slots.ts';
import {RequestsInFlight} from './http/context.ts';
import {flockPath} from './lock.ts';
import {currentOwner, openInstanceLock, sweepStaleWorkspaces, type InstanceLock, type Owner} from './job/workspace.ts';
import {compileProfile, policyLadder, policyWeakenings, runProfile} from './sandbox/profiles.ts';
import {readHostLayout} from './sandbox/host-layout.ts';
import {installHelper} from './sandbox/install-helper.ts';
import {attachInteractive, isWebSocketUpgrade} from './interactive/upgrade.ts';
import {answerClientErrors} from './http/client-error.ts';
import {connectionCap, limitConnections, openFilesLimit, reservedDescriptors} from './http/connections.ts';
import {mountOf} from './proc.ts';
import type {SandboxUser} from './sandbox/spawn.ts';
import {commandVersion, helperFilter, type SyscallFilter} from './sandbox/commands.ts';
import type {AccountingChoice} from './sandbox/accounting.ts';
import {stopSignals, stopsDuringStartup} from './startup-stop.ts';

const userNamespaceHint = `bubblewrap could not create its sandbox. Check that unprivileged user namespaces are allowed:
  - Ubuntu 23.10 and later restrict them through AppArmor: sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0
    (or install an AppArmor profile that allows userns for /usr/bin/bwrap);
  - older Debian kernels: sudo sysctl -w kernel.unprivileged_userns_clone=1;
  - everywhere: user.max_user_namespaces must be above 0;
  - in a container: the runtime must allow unshare, clone with namespace flags and mount (Docker: the seccomp profile
    in deploy/seccomp.json and, with AppArmor, apparmor=unconfined); see deploy/README.md.`;

function fail(message: string): never {
	removeMadeJobRoot();
	process.stderr.write(`c-runner: ${message}\n`);
	process.exit(1);
}

/** The job root, when start-up made it: the first directory made (its parents were there), and the job root itself. */
let madeJobRoot: {readonly first: string; readonly jobRoot: string} | null = null;

/**
 * A start-up that fails removes the job root it made, from the job root up to the first directory it made, each
 * only while it is empty (rmdir): what anything else put there stays, and so does every directory above.
 */
function removeMadeJobRoot(): void {
	if (madeJobRoot === null) {
		return;
	}

	for (let dir = madeJobRoot.jobRoot; ; dir = path.dirname(dir)) {
		try {
			fs.rmdirSync(dir);
		} catch {
			return;
		}

		if (dir === madeJobRoot.first) {
			return;
		}
	}
}

/** A start-up step that failed after others made something: what they made is removed before the message. */
class StartupError extends Error {}

/** A stop signal repeated within this long is the first one again, not a second signal that cancels the jobs. */
const sameStopMs = 500;

/** Removes what the instance made, each part whatever became of the others; a part that fails is logged by name. */
async function removeAll(parts: ReadonlyArray<readonly [string, (() => Promise<void>) | undefined]>, logger: Logger): Promise<void> {
	for (const [what, remove] of parts) {
		try {
			await remove?.();
		} catch (error) {
			logger.error({err: error}, `${what} could not be removed`);
		}
	}
}

function checkFiles(config: Config) {
	for (const [file, what] of [[config.bwrapPath, 'bubblewrap (apt-get install bubblewrap)'], [languageSpecs.c.compiler, 'gcc (apt-get install gcc libc6-dev)'], [languageSpecs.cpp.compiler, 'g++ (apt-get install g++)'], [languageSpecs.c.compilers.tcc!.path, 'tcc (apt-get install tcc)'], [config.helperPath, 'the sandbox helper (npm run setup builds it)'], [config.relayPath, 'the pseudo-terminal relay (npm run setup builds it)'], [flockPath, 'util-linux (apt-get install util-linux)']] as const) {
		try {
			fs.accessSync(file, fs.constants.X_OK);
		} catch {
			fail(`${file} is missing or not executable: install ${what}`);
		}
	}
}

/**
 * As root, bwrap runs as the sandbox uids, which must be able to reach the job root through "other" permissions.
 * (The helper is installed where they can reach it: see installHelper.)
 */
function checkJobRootReachable(jobRoot: string) {
	for (let current = path.resolve(jobRoot); ; current = path.dirname(current)) {
		const {mode} = fs.statSync(current);
		if ((mode & 0o001) === 0) {
			fail(`the job root ${jobRoot} is not reachable by the sandbox uids: ${current} has mode ${(mode & 0o777).toString(8)}\nSet C_RUNNER_JOB_ROOT to a directory others may enter (the default, /tmp, is).`);
		}

		if (current === '/') {
			return;
		}
	}
}

/**
 * Compiled programs run from their job directory: on a `noexec` mount (Docker mounts every `--tmpfs` so unless told
 * `exec`) every job would fail, and the self-test would blame the sandbox.
 */
function checkExecutableJobRoot(config: Config) {
	const mount = mountOf(fs.realpathSync(config.jobRoot), fs.readFileSync('/proc/self/mountinfo', 'utf8'));
	if (mount?.options.includes('noexec')) {
		fail(`the job root ${config.jobRoot} is on a noexec mount (${mount.point}): compiled programs could not run from it.\nMount it with exec (Docker: --tmpfs /tmp:rw,exec,nosuid,nodev,size=512m,mode=1777; compose: "/tmp:rw,exec,..."), or set C_RUNNER_JOB_ROOT to a place that allows it.`);
	}
}

/**
 * As root, the helper and the launcher are copied into a root-owned directory that the sandbox uids can reach,
 * wherever the checkout is.
 */
function installedPrograms(config: Config): Pick<Config, 'helperPath' | 'launcherPath' | 'relayPath'> {
	try {
		const helperPath = installHelper(config.helperPath, config.helperInstallDir);
		const mount = mountOf(helperPath, fs.readFileSync('/proc/self/mountinfo', 'utf8'));
		if (mount?.options.includes('noexec')) {
			fail(`the helper install directory ${config.helperInstallDir} is on a noexec mount (${mount.point}): set C_RUNNER_HELPER_INSTALL_DIR to a root-owned place that allows exec.`);
		}

		// A missing launcher is found, and named, where job cgroups need it.
		const launcherPath = fs.existsSync(config.launcherPath) ? installHelper(config.launcherPath, config.helperInstallDir, 'c-runner-launch') : config.launcherPath;
		return {helperPath, launcherPath, relayPath: installHelper(config.relayPath, config.helperInstallDir, 'c-runner-pty')};
	} catch (error) {
		fail(`cannot install the sandbox helper into ${config.helperInstallDir}: ${error instanceof Error ? error.message : String(error)}\nSet C_RUNNER_HELPER_INSTALL_DIR to a directory owned by root and writable by root alone.`);
	}
}

/** As root, each job slot runs as its own host uid; the health check has one more. Otherwise, the server's own. */
function sandboxUsers(config: Config): {slots: Array<SandboxUser | null>; health: SandboxUser | null} {
	if (process.getuid?.() !== 0) {
		return {slots: Array.from({length: config.concurrency}, () => null), health: null};
	}

	const user = (index: number): SandboxUser => ({uid: config.uidBase + index, gid: config.uidBase + index});
	return {slots: Array.from({length: config.concurrency}, (_unused, index) => user(index)), health: user(config.concurrency)};
}

/** The compile cache, keyed on each compiler's version as it answers now; null when C_RUNNER_COMPILE_CACHE_BYTES is 0. */
async function openCompileCache(config: Config, owner: Owner, logger: Logger, listener: CacheListener): Promise<CompileCache | null> {
	if (config.compileCache.bytes === 0) {
		return null;
	}

	let dir: CacheDir;
	try {
		dir = await openCacheDir(config.compileCache.dir, owner, (reason, elsewhere) => {
			logger.warn({reason, dir: elsewhere}, 'the compile cache\'s usual directory is not this server\'s: the cache is kept in a new one');
		});
	} catch (error) {
		throw new StartupError(`cannot make the compile cache's directory under ${config.compileCache.dir}: ${error instanceof Error ? error.message : String(error)}\nSet C_RUNNER_COMPILE_CACHE_DIR elsewhere, or C_RUNNER_COMPILE_CACHE_BYTES=0 to turn the cache off.`);
	}

	const versions = new Map<string, string>();
	for (const compiler of allCompilers()) {
		versions.set(compiler, await commandVersion(compiler) ?? 'unknown');
	}

	logger.info({dir: dir.path, bytes: config.compileCache.bytes}, 'compile cache ready');
	return new CompileCache(dir, config.compileCache.bytes, versions, listener);
}

/** The configuration, read once, and the host checks it needs before anything starts. */
function prepareHost(): {config: Config; logger: Logger} {
	let config: Config;
	try {
		config = loadConfig(process.env);
	} catch (error) {
		fail(error instanceof ConfigError ? error.message : String(error));
	}

	const logger = pino({
		...logOptions,
		level: config.logLevel,
	});
	checkFiles(config);
	try {
		const first = fs.mkdirSync(config.jobRoot, {recursive: true, mode: 0o711});
		madeJobRoot = first === undefined ? null : {first, jobRoot: path.resolve(config.jobRoot)};
	} catch (error) {
		const {code, message} = error as NodeJS.ErrnoException;
		fail(`cannot make the job root ${config.jobRoot} (C_RUNNER_JOB_ROOT): ${code ?? 'error'}: ${message}\nSet C_RUNNER_JOB_ROOT to a directory this user may make, or to one that exists.`);
	}

	checkExecutableJobRoot(config);
	if (process.getuid?.() === 0) {
		config = Object.freeze({...config, ...installedPrograms(config)});
		checkJobRootReachable(config.jobRoot);
	}

	return {config, logger};
}

/**
 * Without C_RUNNER_ALLOWED_HOSTS, the allow-list for the address HOST resolves to, which is the one the server listens
 * on (listen looks it up the same way, and takes the first): `127.1` and `::ffff:127.0.0.1` are loopback addresses
 * as much as `127.0.0.1` is. A HOST that does not resolve keeps the loopback default; listening then fails with its
 * own message.
 */
async function withAllowedHosts(config: Config): Promise<Config> {
	if (config.allowedHosts !== null) {
		return config;
	}

	const address = await dns.lookup(config.host).then(found => found.address, () => '127.0.0.1');
	return Object.freeze({...config, allowedHosts: defaultAllowedHosts(address)});
}

/**
 * The instance's lock file in the job root, which its job directories' marks name; null when the job root cannot
 * take one now (full, read-only): the marks then name the pid and start alone, and the self-test says what is wrong.
 */
async function openJobRootLock(jobRoot: string, logger: Logger): Promise<InstanceLock | null> {
	try {
		return await openInstanceLock(jobRoot);
	} catch (error) {
		if (['ENOSPC', 'EDQUOT', 'EROFS'].includes((error as NodeJS.ErrnoException).code ?? '')) {
			logger.warn({jobRoot, err: error}, 'no instance lock file could be made in the job root: its job directories are marked with the pid alone');
			return null;
		}

		throw error;
	}
}

/** Job cgroups where the host has them (root, v1 memory/pids/cpuacct); else the helper's sampling and rlimits. */
async function openAccounting(config: Config, logger: Logger): Promise<AccountingChoice> {
	const cgroups = await openCgroupBackend(logger);
	if (typeof cgroups === 'string') {
		logger.warn({reason: cgroups}, 'no job cgroups: accounting by the sandbox helper\'s sampling and rlimits');
		return {cgroups: null, reason: cgroups};
	}

	try {
		fs.accessSync(config.launcherPath, fs.constants.X_OK);
	} catch {
		await cgroups.close();
		fail(`${config.launcherPath} is missing or not executable: npm run setup builds it`);
	}

	return {cgroups, reason: null};
}

/** The strongest policy that passes the self-test here, strongest first; none at all: refuse to start. */
async function choosePolicy(base: Omit<JobDeps, 'profiles'>, users: ReturnType<typeof sandboxUsers>, queues: Queues, versions: HealthReport['versions'], filter: SyscallFilter, backend: AccountingChoice, instanceLock: InstanceLock | null) {
	const {config, logger} = base;
	const layout = readHostLayout();
	const failures: string[] = [];
	let limitStopped = false;
	let jobRootProblem: string | null = null;
	for (const policy of policyLadder(config.sandboxProc)) {
		const profiles = {compile: compileProfile(layout, config.compile, policy), run: runProfile(layout, config.run, policy)};
		const deps: JobDeps = {...base, profiles};
		// The self-test always compiles: a cached compile would not prove the compile sandbox works.
		const health = createHealthCheck({...deps, compileCache: null, events: {}}, users.health, queues, versions, describePolicy(config, profiles, users.health !== null, filter, backend));
		const startup = await health.check();
		if (startup.status === 'ok') {
			const weakenings = policyWeakenings(policy, config.sandboxProc);
			if (weakenings.length > 0) {
				logger.warn({weakened: weakenings}, 'running with a reduced sandbox policy');
			}

			return {deps, health, startup};
		}

		failures.push(`${JSON.stringify(policy)}: ${startup.self_test.problem}`);
		if (startup.self_test.problem?.startsWith(selfTestLimitStop)) {
			// The sandbox worked, and a weaker policy has the same limits: the configuration is at fault, not the host.
			limitStopped = true;
			break;
		}

		if (startup.self_test.problem?.startsWith(selfTestJobRoot)) {
			// Nor is a full or read-only job root the sandbox's failure: a weaker policy fails the same way.
			jobRootProblem = startup.self_test.problem;
			break;
		}

		logger.warn({policy, problem: startup.self_test.problem}, 'sandbox policy does not work here; trying the next');
	}

	await removeAll([
		['the compile cache', base.compileCache?.close.bind(base.compileCache)],
		['the instance cgroups', backend.cgroups?.close.bind(backend.cgroups)],
		['the instance lock', instanceLock?.close.bind(instanceLock)],
	], logger);
	if (limitStopped) {
		logger.fatal({failures}, 'a limit stopped the sandbox self-test');
		fail(`the sandbox self-test, a hello world, was stopped by a limit of this configuration:\n  ${failures.join('\n  ')}\nRaise the limit it names (C_RUNNER_COMPILE_* or C_RUNNER_RUN_*, see README.md): the sandbox itself works.`);
	}

	if (jobRootProblem !== null) {
		logger.fatal({jobRoot: config.jobRoot, problem: jobRootProblem}, 'the job root cannot take a job');
		fail(`${jobRootProblem}\nFree room on its file system (df -h ${config.jobRoot}, and df -i for inodes), make it writable, or set C_RUNNER_JOB_ROOT elsewhere (no weaker sandbox policy was tried: none would help).`);
	}

	logger.fatal({failures}, 'no safe sandbox policy works here');
	fail(`no safe sandbox policy works here; the sandbox self-test failed:\n  ${failures.join('\n  ')}\n${userNamespaceHint}`);
}

/**
 * On SIGTERM, SIGINT or SIGHUP: no new connections, the jobs in flight (Judge0's background submissions too) finish,
 * or are cancelled past the grace period, or at a second signal; then what the instance made (sandboxes made ahead,
 * cache, cgroups) is removed, and the process exits 0.
 */
function drainOnSignals(server: Server, shutdown: AbortController, stopping: AbortController, inFlight: {wait: () => Promise<void>; judge0: () => number; requests: RequestsInFlight}, close: () => Promise<void>, config: Config, logger: Logger) {
	let deadline: NodeJS.Timeout | undefined;
	// Requests whose body has not all arrived. Once jobs are cancelled none of them can start one, and nothing waits
	// to be answered on their connections: those are cut at once, or the grace below (meant for answers still being
	// sent) held the stop 5 s longer for a client that stalls its upload — past the 10 s Docker waits at compose's 8 s.
	const receiving = new Set<IncomingMessage>();
	// Answers not yet begun: at the stop they say `Connection: close`, so that no client sends another request on
	// their connections (one that does is refused: the app's refuseWhileStopping).
	const unanswered = new Set<ServerResponse>();
	// Connections, and how many requests each has being answered. One with none is closed at the stop: idle after
	// its answers, or with its next request's headers not all arrived, or nothing sent yet (Node's
	// closeIdleConnections leaves those two open, and they held the stop for the grace period and 5 s more, past the
	// 10 s Docker waits at compose's 8 s).
	const connections = new Map<Socket, number>();
	server.on('connection', (socket: Socket) => {
		connections.set(socket, 0);
		socket.once('close', () => connections.delete(socket));
	});
	// An interactive session's connection: no longer HTTP, ended by its session's own shutdown.
	server.on('upgrade', (_request: IncomingMessage, socket: Socket) => connections.delete(socket));
	server.on('request', (request: IncomingMessage, response: ServerResponse) => {
		receiving.add(request);
		request.once('close', () => receiving.delete(request));
		unanswered.add(response);
		const {socket} = request;
		connections.set(socket, (connections.get(socket) ?? 0) + 1);
		response.once('close', () => {
			unanswered.delete(response);
			if (connections.has(socket)) {
				connections.set(socket, connections.get(socket)! - 1);
			}
		});
	});
	const closeUnused = () => {
		for (const [socket, requests] of connections) {
			if (requests === 0) {
				socket.destroy();
			}
		}
	};
	// Jobs still running are cancelled; their workspaces are removed as they unwind.
	const cancel = () => {
		clearTimeout(deadline);
		shutdown.abort(new Error('server shutting down'));
		for (const request of receiving) {
			if (!request.complete) {
				request.socket.destroy();
			}
		}

		// Cancelled jobs unwind within moments; a connection still open after that is cut.
		setTimeout(() => server.closeAllConnections(), 5000).unref();
	};

	let firstStop = {signal: null as NodeJS.Signals | null, at: 0};
	const stop = (signal: NodeJS.Signals) => {
		if (stopping.signal.aborted) {
			// The same signal again at once is the same stop: a terminal's Ctrl-C reaches the whole process group, and
			// `npm start`'s set-up script passes it on too; a supervisor may signal the group as well as the server.
			if (signal === firstStop.signal && performance.now() - firstStop.at < sameStopMs) {
				return;
			}

			if (!shutdown.signal.aborted) {
				logger.info({signal}, 'shutting down now: the jobs in flight are cancelled');
				cancel();
			}

			return;
		}

		stopping.abort();
		firstStop = {signal, at: performance.now()};
		for (const response of unanswered) {
			if (!response.headersSent) {
				response.setHeader('Connection', 'close');
			}
		}

		// Judge0's background submissions run to their end too, but nobody can ask for their results any more.
		logger.info({signal, judge0Pending: inFlight.judge0()}, 'shutting down: no new connections, finishing jobs in flight (a second signal cancels them)');
		deadline = setTimeout(cancel, config.shutdownMs);
		server.close(() => {
			// Requests cut at the stop are still being handled when their connections are gone: their log lines first.
			void Promise.all([inFlight.wait(), inFlight.requests.idle(5000)]).then(async () => {
				clearTimeout(deadline);
				await close();
			}).finally(() => {
				logger.info('stopped');
				process.exit(0);
			});
		});
		// A keep-alive connection whose response is done would hold close() open: close each as it goes idle.
		closeUnused();
		setInterval(closeUnused, 100).unref();
	};

	for (const signal of stopSignals) {
		process.on(signal, stop);
	}
}

/** Start-up, top to bottom: host checks → versions and the helper's filter → sweep → accounting → policy → serve. */
/** How long an idle keep-alive connection is kept (see createServer below). */
const keepAliveMs = 65_000;

async function main() {
	const early = stopsDuringStartup;
	const {config: read, logger} = prepareHost();
	const config = await withAllowedHosts(read);
	const users = sandboxUsers(config);
	const slots = new Slots(users.slots, config.queueLength);
	const queues = {slots, judges: judgePermits(config)};
	// The tools are asked at once: each answer is a process of its own.
	const [gcc, gpp, tcc, bwrap, syscallFilter] = await Promise.all([
		commandVersion(languageSpecs.c.compiler),
		commandVersion(languageSpecs.cpp.compiler),
		commandVersion(languageSpecs.c.compilers.tcc!.path),
		commandVersion(config.bwrapPath),
		helperFilter(config.helperPath),
	]);
	const versions = {gcc, 'g++': gpp, tcc, bwrap, node: process.version, kernel: os.release()};
	if (syscallFilter === null) {
		fail(`${config.helperPath} --list-filter did not list a syscall filter: rebuild the sandbox helper (npm run setup)`);
	}

	const serverUid = process.getuid?.() ?? 0;
	const sandboxUids = [...users.slots, users.health].flatMap(user => user === null ? [] : [user.uid]);
	const swept = await sweepStaleWorkspaces(config.jobRoot, {serverUid, ownerUids: new Set([serverUid, ...sandboxUids])}, logger);
	const instanceLock = await openJobRootLock(config.jobRoot, logger);
	const owner: Owner = {...currentOwner(), ...(instanceLock === null ? {} : {lock: instanceLock.name})};
	const backend = await openAccounting(config, logger);
	const metrics = new Metrics(queues);
	let compileCache: CompileCache | null;
	try {
		compileCache = await openCompileCache(config, owner, logger, metrics.cacheListener);
	} catch (error) {
		if (!(error instanceof StartupError)) {
			throw error;
		}

		await removeAll([['the instance cgroups', backend.cgroups?.close.bind(backend.cgroups)], ['the instance lock', instanceLock?.close.bind(instanceLock)]], logger);
		fail(error.message);
	}

	const chosen = await choosePolicy({config, owner, logger, cgroups: backend.cgroups, compileCache, events: metrics.jobEvents}, users, queues, versions, syscallFilter, backend, instanceLock);
	const {health, startup} = chosen;
	// A compile sandbox and a run sandbox made ahead for each slot's next job (src/job/launchers.ts): only with job
	// cgroups, each slot its uid.
	const slotUsers = users.slots.flatMap(user => user === null ? [] : [user]);
	const launchers = config.launchAhead && chosen.deps.cgroups && slotUsers.length === users.slots.length ? new LauncherPool(chosen.deps, slotUsers, async () => slots.whenIdle()) : null;
	const deps = {...chosen.deps, launchers};

	const shutdown = new AbortController();
	// Aborted at the first stop signal: requests that still come, on connections kept alive, run nothing.
	const stopping = new AbortController();
	const runner = createRunner(deps, slots, queues.judges);
	const submissions = new Judge0Jobs(new SubmissionStore(config.judge0.storeSize, config.judge0.ttlMs, config.judge0.storeBytes, undefined, judge0ResultBytes(config)), runner, shutdown.signal, logger);
	const compilerVersion = /(\d+\.\d+\.\d+)\s*$/.exec(versions.gcc ?? '')?.[1] ?? 'unknown';
	const requestsInFlight = new RequestsInFlight();
	const app = createApp({config, logger, runner, health, compilerVersion, submissions, shutdownSignal: shutdown.signal, stoppingSignal: stopping.signal, metrics, requestsInFlight});
	const server = http.createServer({
		shouldUpgradeCallback: isWebSocketUpgrade,
		// Checked by the app (requireHost), which answers with an {error} body.
		requireHostHeader: false,
		// Node's defaults let a request take 300 s to arrive, its body (up to the body limit) held all along, on as many
		// connections as a client opens: the whole request, headers included, has C_RUNNER_RECEIVE_TIMEOUT_MS. Node
		// checks at this interval, so a request is cut within a second of its deadline.
		requestTimeout: config.receiveTimeoutMs,
		headersTimeout: config.receiveTimeoutMs,
		connectionsCheckingInterval: 1000,
		// An idle keep-alive connection is kept 65 s, not Node's 5 s: past the idle timeout of a proxy in front (60 s is
		// common), which otherwise sends a request on a connection the server has just closed and answers its client 502;
		// a client of its own sees `fetch failed` the same way when its event loop was held past those 5 s.
		keepAliveTimeout: keepAliveMs,
	}, app.callback());
	answerClientErrors(server, (route, status) => metrics.jobEvents.request?.(route, status));
	const openFiles = openFilesLimit();
	const {cap, short} = connectionCap(config.maxConnections, openFiles, reservedDescriptors(config.concurrency, config.interactive.sessions));
	limitConnections(server, cap, logger);
	if (short) {
		logger.warn({maxConnections: cap, openFiles}, 'the descriptor limit (ulimit -n) leaves the job slots too few descriptors beside this many connections: raise it, or lower C_RUNNER_MAX_CONNECTIONS');
	}

	attachInteractive(server, {session: {...deps, relayPath: config.relayPath}, slots, shutdownSignal: shutdown.signal});
	const close = async () => removeAll([
		['the sandboxes made ahead', launchers?.close.bind(launchers)],
		['the compile cache', compileCache?.close.bind(compileCache)],
		['the instance cgroups', backend.cgroups?.close.bind(backend.cgroups)],
		['the instance lock', instanceLock?.close.bind(instanceLock)],
	], logger);
	// A stop asked for during start-up: what it made goes, and the server never listens.
	early.release();
	if (early.asked !== null) {
		logger.info({signal: early.asked}, 'stopped during start-up');
		await close();
		process.exit(0);
	}

	// Listening is the last step that can fail (a port taken, a HOST this machine does not have or cannot resolve):
	// what start-up made (the sandboxes made ahead, the cache, the cgroups) goes before the one-line message.
	const listenFailed = (error: NodeJS.ErrnoException) => {
		void close().finally(() => {
			fail(`cannot listen on ${config.host}:${config.port} (HOST, PORT): ${error.code ?? 'error'}: ${error.message}`);
		});
	};
	server.once('error', listenFailed);
	server.listen(config.port, config.host, () => {
		server.off('error', listenFailed);
		const address = server.address();
		const port = typeof address === 'object' && address !== null ? address.port : config.port;
		logger.info({host: config.host, port, concurrency: config.concurrency, jobRoot: config.jobRoot, helper: config.helperPath, policy: deps.profiles.run.policy, accounting: backend.cgroups?.name ?? 'helper', swept, selfTestMs: startup.self_test.duration_ms, maxConnections: cap}, 'c-runner listening');
	});
	// The last answers sent, their jobs' clean-ups may still run (they follow the answer): the slots are idle once
	// those are done, and only then do the cgroups and the cache they use go.
	const drained = async () => {
		await submissions.drain();
		await slots.whenIdle();
	};
	drainOnSignals(server, shutdown, stopping, {wait: drained, judge0: () => submissions.running, requests: requestsInFlight}, close, config, logger);
}

await main();
