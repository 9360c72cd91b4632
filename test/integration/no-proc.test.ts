// The weaker policy the server falls back to where a private /proc cannot be mounted (a container that masks
// /proc): no /proc at all in the sandbox; the helper still limits the job's CPU time to the sample, by per-process
// CPU clocks, with RLIMIT_CPU as the backstop. Forced here with
// C_RUNNER_SANDBOX_PROC=none and checked through the real server, gcc and bwrap; the fallback itself is exercised
// for real by `npm run test:container`.
import test from 'ava';
import {assertForkBombStopped, assertHostClean, assertStdinFile, example, execute, startServer, testLimits, type RunningServer} from '../helpers/server.ts';

let server: RunningServer;
test.before(async () => {
	// A wall limit well above RLIMIT_CPU's whole second, so that on a busy machine the CPU limit still comes first.
	// A 30 s wall limit: the CPU-limit tests spin for 1 s of CPU, which a loaded machine must not turn into a wall stop.
	server = await startServer({uidBase: 62_560, env: {C_RUNNER_SANDBOX_PROC: 'none', C_RUNNER_RUN_WALL_MS: '30000'}});
});
test.after.always(async () => {
	await server?.stop();
});

test.serial('/health names the policy in effect', async t => {
	const health = await (await fetch(`${server.url}/health`)).json() as Record<string, any>;
	t.like(health, {status: 'ok', policy: {level: 'reduced', nested_user_namespaces: false}});
	t.is(health['policy']['weakened'].length, 1, health['policy']['weakened'].join('; '));
	// This server was told (C_RUNNER_SANDBOX_PROC=none), on a host where a private /proc works: /health says so.
	t.regex(health['policy']['weakened'][0], /^no \/proc in the sandbox \(turned off by C_RUNNER_SANDBOX_PROC=none\)/);
	t.regex(health['policy']['proc'], /^none: turned off by C_RUNNER_SANDBOX_PROC=none; /);
	t.regex(health['policy']['cpu_limit'], /RLIMIT_CPU/);
	t.true(server.logs.some(entry => entry['msg'] === 'c-runner listening' && (entry['policy'] as {proc?: string}).proc === 'none'));
});

test.serial('stdin is a regular file, read-only, without /proc too: stdin-file.c', async t => {
	await assertStdinFile(t, server);
	await assertHostClean(t, server);
});

test.serial('programs compile and run; there is no /proc: proc-absent.c, env-canary.c', async t => {
	t.like((await execute(server, {code: example('hello.c')})).body, {status: 'ok', output: 'Hello from C!'});
	t.like((await execute(server, {code: example('proc-absent.c')})).body, {status: 'ok', output: 'proc: absent\n'});
	t.regex((await execute(server, {code: example('env-canary.c')})).body['output'], /canary: absent/);
	await assertHostClean(t, server);
});

test.serial('the CPU limit still holds to the sample, without /proc: infinite-loop.c, sub-second too', async t => {
	const {body} = await execute(server, {code: example('infinite-loop.c')});
	t.like(body, {status: 'time_limit', stopped_by: 'cpu_time', signal: 'SIGKILL', exit_code: -9});
	t.true(body['cpu_ms'] >= 1000 && body['cpu_ms'] < 1300, `cpu_ms ${body['cpu_ms']}`);
	const short = (await execute(server, {code: example('infinite-loop.c'), time_limit_ms: 100})).body;
	t.like(short, {status: 'time_limit', stopped_by: 'cpu_time', signal: 'SIGKILL', limits: {cpu_time_ms: 100}});
	t.true(short['cpu_ms'] >= 100 && short['cpu_ms'] < 400, `cpu_ms ${short['cpu_ms']}`);
	await assertHostClean(t, server);
});

test.serial('a fork bomb is still held and killed with all its processes: fork-bomb.c', async t => {
	const {body} = await execute(server, {code: example('fork-bomb.c')});
	assertForkBombStopped(t, body, Number(testLimits.C_RUNNER_RUN_MEMORY_MB));
	await assertHostClean(t, server);
});

test.serial('the memory limit still holds: memory-hog.c', async t => {
	t.like((await execute(server, {code: example('memory-hog.c')})).body, {status: 'memory_limit'});
	await assertHostClean(t, server);
});

test.serial('address spaces are not sampled, as /health says: address-space-reserved.c fails its own way', async t => {
	// Reserved up to the limit, never touched: neither the job cgroup nor its resident memory saw it.
	t.like((await execute(server, {code: example('address-space-reserved.c')})).body, {status: 'runtime_error', exit_code: 1, stopped_by: null});
	await assertHostClean(t, server);
});
