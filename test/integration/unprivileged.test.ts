// The server run as one unprivileged uid, as in the container image: every job shares that uid, so the per-job
// process limit must come from RLIMIT_NPROC set inside each sandbox's user namespace. A fork bomb must not starve
// a concurrent job, and the sandbox must hold as it does for a root server.
import test from 'ava';
import {assertHostClean, assertStdinFile, example, execute, startServer, type RunningServer} from '../helpers/server.ts';

const uid = 62_990;
let server: RunningServer;
test.before(async () => {
	server = await startServer({uidBase: uid, runAs: uid, env: {C_RUNNER_RUN_PROCESSES: '16'}});
});
test.after.always(async () => {
	await server?.stop();
});

test.serial('the server really runs unprivileged', async t => {
	const response = await fetch(`${server.url}/health`);
	const health = await response.json() as Record<string, any>;
	t.is(response.status, 200);
	t.regex(health['policy']['sandbox_uid'], /server's own uid/);
	t.like(await execute(server, {code: example('hello.c')}), {status: 200, body: {output: 'Hello from C!'}});
});

test.serial('a fork bomb of one job does not starve a concurrent job of the same uid', async t => {
	const bomb = execute(server, {code: example('fork-bomb.c')});
	await new Promise(resolve => setTimeout(resolve, 800));
	const counted = await execute(server, {code: example('fork-count.c')});
	t.is(counted.body['status'], 'ok', counted.body['error']);
	const forks = Number(/forks=(\d+)/.exec(counted.body['output'])?.[1]);
	// Its own allowance of 16, less itself and the helper: never the bomb's leftovers.
	t.true(forks >= 12 && forks < 16, counted.body['output']);
	t.like((await bomb).body, {status: 'time_limit'});
	await assertHostClean(t, server);
});

test.serial('stdin is a regular file, read-only, under an unprivileged server too: stdin-file.c', async t => {
	await assertStdinFile(t, server);
	await assertHostClean(t, server);
});

test.serial('the policy holds for an unprivileged server too', async t => {
	const capabilities = await execute(server, {code: example('capabilities.c')});
	t.notRegex(capabilities.body['output'], /ESCAPED/);
	t.regex(capabilities.body['output'], /^CapEff:\s+0000000000000000$/m);
	const files = await execute(server, {code: example('read-host-files.c')});
	t.notRegex(files.body['output'], /LEAKED/);
	const canary = await execute(server, {code: example('env-canary.c')});
	t.regex(canary.body['output'], /canary: absent/);
	await assertHostClean(t, server);
});
