// The policy as seen from inside the real sandbox, so that the exact-array unit tests of bwrapArgs cannot pass over
// a policy that does not hold: capabilities, uid map, mounts, environment, network interfaces.
import test from 'ava';
import {assertHostClean, example, execute, startServer, type RunningServer} from '../helpers/server.ts';

let server: RunningServer;
test.before(async () => {
	server = await startServer({uidBase: 62_300, env: {C_RUNNER_CONCURRENCY: '2'}});
});
test.after.always(async () => {
	await server?.stop();
});

async function outputOf(t: import('ava').ExecutionContext, name: string) {
	const {status, body} = await execute(server, {code: example(name)});
	t.is(status, 200);
	t.is(body['status'], 'ok', body['error']);
	return body['output'] as string;
}

const field = (output: string, key: string) => new RegExp(`^${key}[=:]\\s*(.*)$`, 'm').exec(output)?.[1]?.trim();

test.serial('no capabilities of any kind, no new privileges, one mapped uid', async t => {
	const output = await outputOf(t, 'capabilities.c');
	for (const set of ['CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb']) {
		t.is(field(output, set), '0000000000000000', set);
	}

	t.is(field(output, 'NoNewPrivs'), '1');
	// bwrap's --disable-userns nests a second user namespace, so the outside column is relative to bwrap's own.
	const uidMap = /uid_map:\s*(\d+)\s+(\d+)\s+(\d+)/.exec(output);
	t.truthy(uidMap, output);
	t.is(uidMap?.[3], '1', 'exactly one uid is mapped');
	t.true(server.uids.includes(Number(uidMap?.[1])), 'the program runs as one of the server\'s unprivileged sandbox uids');
	t.regex(output, /^unshare\(CLONE_NEWUSER\): blocked/m);
	t.notRegex(output, /ESCAPED/);
	await assertHostClean(t, server);
});

test.serial('mounts: only the run profile\'s paths; everything but /tmp and the job directory is read-only', async t => {
	const output = await outputOf(t, 'mounts.c');
	const mounts = output.trim().split('\n').map(line => {
		const [point, options] = line.trim().split(/\s+/);
		return {point: point!, options: options ?? ''};
	});
	const points = mounts.map(mount => mount.point);
	for (const forbidden of ['/etc', '/home', '/root', '/usr/bin', '/var', '/work', '/sys', '/run/secrets']) {
		t.false(points.includes(forbidden), `${forbidden} is not mounted`);
	}

	t.true(points.includes('/usr/lib'));
	const jobDir = new RegExp(`^${server.jobRoot}/c_exec_[\\da-f-]{36}$`);
	const writable = mounts.filter(mount => mount.options.split(',').includes('rw')).map(mount => mount.point)
		.filter(point => !/^\/(proc|dev)(\/|$)/.test(point));
	t.is(writable.length, 2, `writable: ${writable.join(' ')}`);
	t.true(writable.includes('/tmp'));
	t.true(writable.some(point => jobDir.test(point)), 'the job directory');
	t.true(mounts.find(mount => mount.point === '/')?.options.split(',').includes('ro'), 'the root is read-only');
	t.true(mounts.find(mount => mount.point === '/usr/lib')?.options.split(',').includes('ro'), '/usr/lib is read-only');
	await assertHostClean(t, server);
});

test.serial('environment: the documented one and nothing else', async t => {
	const output = await outputOf(t, 'environment.c');
	const home = field(output, 'HOME') ?? '';
	t.regex(home, new RegExp(`^${server.jobRoot}/c_exec_[\\da-f-]{36}$`));
	t.is(field(output, 'cwd'), home);
	t.is(field(output, 'PATH'), '/usr/bin:/bin');
	t.is(field(output, 'LANG'), 'C.UTF-8');
	t.is(field(output, 'umask'), '022');
	t.is(field(output, 'PWD'), home, 'bwrap sets PWD with --chdir');
	t.is(field(output, 'TMPDIR'), '/tmp');
	t.is(field(output, 'environ_count'), '5');
	await assertHostClean(t, server);
});

test.serial('network: a private loopback and nothing else', async t => {
	const output = await outputOf(t, 'network.c');
	t.regex(output, /^interfaces: lo\(up\)$/m);
	t.notRegex(output, /ESCAPED/);
	await assertHostClean(t, server);
});

test.serial('/proc is a private procfs: only the sandbox\'s own processes: proc-absent.c', async t => {
	// The helper (pid 1) and the program itself; the host has hundreds.
	t.is(await outputOf(t, 'proc-absent.c'), 'proc: private, 2 processes\n');
});
