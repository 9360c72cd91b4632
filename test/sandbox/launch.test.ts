// The launcher alone, outside any cgroup: plain files stand in for cgroup.procs and the counters, so what it writes
// and when it execs can be seen. The join itself is proven through real cgroups by the integration tests.
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import {commandFd} from '../../src/sandbox/bwrap-args.ts';
import {encodeCommand} from '../../src/sandbox/spawn.ts';
import {projectRoot} from '../helpers/server.ts';

const launcher = path.join(projectRoot, 'sandbox', 'build', 'c-runner-launch');

interface Launched {
	readonly code: number | null;
	readonly stdout: string;
	readonly joined: string;
}

/**
 * Starts the launcher with `--command-fd` on a pipe, writes `send` to it (or closes it at once), and waits for the
 * end. The cgroup.procs stand-in must hold the launcher's pid before anything is sent: it joins, then waits.
 */
async function launch(t: {teardown(fn: () => void): void}, send: Buffer | null, extra: readonly string[] = []): Promise<Launched> {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'c-runner-launch-'));
	t.teardown(() => fs.rmSync(dir, {recursive: true, force: true}));
	const procs = path.join(dir, 'cgroup.procs');
	fs.writeFileSync(procs, '');
	const child = spawn(launcher, ['--command-fd', String(commandFd), '/dev/null', '/dev/null', procs, ...extra], {stdio: ['ignore', 'pipe', 'pipe', 'ignore', 'ignore', 'ignore', 'ignore', 'pipe']});
	// Listened for at once: one refused at start (a usage error) may be gone before anything is sent.
	const closed = new Promise<number | null>(resolve => child.once('close', resolve));
	let stdout = '';
	child.stdout!.on('data', (chunk: Buffer) => {
		stdout += chunk.toString();
	});
	const pipe = (child.stdio as unknown as NodeJS.WritableStream[])[commandFd]!;
	pipe.on('error', () => {});
	for (let tries = 0; fs.readFileSync(procs, 'utf8') === '' && tries < 200 && child.exitCode === null; tries++) {
		await new Promise(resolve => setTimeout(resolve, 5));
	}

	const joined = fs.readFileSync(procs, 'utf8');
	if (send === null) {
		pipe.end();
	} else {
		pipe.end(send);
	}

	const code = await closed;
	return {code, stdout, joined: joined.trim() === String(child.pid) ? 'its own pid' : joined};
}

test('--command-fd: joins at once, then runs the command it is sent, arguments as sent', async t => {
	const launched = await launch(t, encodeCommand(['/bin/echo', 'ran', 'two words', '']));
	t.is(launched.joined, 'its own pid');
	t.is(launched.stdout, 'ran two words \n');
	t.is(launched.code, 0);
});

test('--command-fd: end of file with nothing sent, and nothing runs', async t => {
	const launched = await launch(t, null);
	t.is(launched.joined, 'its own pid');
	t.is(launched.stdout, '');
	t.is(launched.code, 125);
});

for (const [name, sent] of [
	['a relative program', encodeCommand(['echo', 'ran'])],
	['an empty program', encodeCommand([''])],
	['an argument not ended by NUL', Buffer.from('/bin/echo\0ran')],
	['more than the most a command may take', Buffer.alloc((1 << 20) + 1, 'a')],
] as const) {
	test(`--command-fd: ${name}, and nothing runs`, async t => {
		const launched = await launch(t, Buffer.from(sent));
		t.is(launched.stdout, '');
		t.is(launched.code, 125);
	});
}

test('--command-fd takes no command on its command line', async t => {
	const launched = await launch(t, encodeCommand(['/bin/echo', 'ran']), ['--', '/bin/echo', 'given']);
	t.is(launched.stdout, '');
	t.is(launched.code, 125);
});

test('--command-fd refuses a descriptor of the cgroup counters', async t => {
	const child = spawn(launcher, ['--command-fd', '5', '/dev/null', '/dev/null', '/dev/null'], {stdio: 'ignore'});
	t.is(await new Promise<number | null>(resolve => child.once('close', resolve)), 125);
});

test('without --command-fd: the command after --, at once', async t => {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'c-runner-launch-'));
	t.teardown(() => fs.rmSync(dir, {recursive: true, force: true}));
	const procs = path.join(dir, 'cgroup.procs');
	fs.writeFileSync(procs, '');
	const child = spawn(launcher, ['/dev/null', '/dev/null', procs, '--', '/bin/echo', 'ran'], {stdio: ['ignore', 'pipe', 'ignore']});
	let stdout = '';
	child.stdout!.on('data', (chunk: Buffer) => {
		stdout += chunk.toString();
	});
	t.is(await new Promise<number | null>(resolve => child.once('close', resolve)), 0);
	t.is(stdout, 'ran\n');
	t.is(fs.readFileSync(procs, 'utf8').trim(), String(child.pid));
});

test('only its own descriptors pass on: one the server inherited without close-on-exec does not', async t => {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'c-runner-launch-'));
	t.teardown(() => fs.rmSync(dir, {recursive: true, force: true}));
	const procs = path.join(dir, 'cgroup.procs');
	fs.writeFileSync(procs, '');
	// Descriptor 8 stands for one the server was started with; ls lists the descriptors the command holds (3: its own).
	const child = spawn(launcher, ['--command-fd', String(commandFd), '/dev/null', '/dev/null', procs], {stdio: ['ignore', 'pipe', 'ignore', 'ignore', 'ignore', 'ignore', 'ignore', 'pipe', 'pipe']});
	let stdout = '';
	child.stdout!.on('data', (chunk: Buffer) => {
		stdout += chunk.toString();
	});
	(child.stdio as unknown as NodeJS.WritableStream[])[commandFd]!.end(encodeCommand(['/bin/ls', '/proc/self/fd']));
	t.is(await new Promise<number | null>(resolve => child.once('close', resolve)), 0);
	t.deepEqual(stdout.split('\n').filter(Boolean).map(Number).sort((a, b) => a - b), [0, 1, 2, 3, 5, 6]);
});
