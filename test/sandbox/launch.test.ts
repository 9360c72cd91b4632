// The launcher alone, outside any cgroup: plain files stand in for cgroup.procs and the counters, so what it writes
// and when it execs can be seen. The join itself is proven through real cgroups by the integration tests.
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import {gateFd} from '../../src/sandbox/spawn.ts';
import {projectRoot} from '../helpers/server.ts';

const launcher = path.join(projectRoot, 'sandbox', 'build', 'c-runner-launch');

interface Launched {
	readonly code: number | null;
	readonly stdout: string;
	readonly joined: string;
}

/** Starts the launcher with `--wait-fd` on a pipe, writes `send` to it (or closes it), and waits for the end. */
async function launch(t: {teardown(fn: () => void): void}, send: string | null): Promise<Launched> {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'c-runner-launch-'));
	t.teardown(() => fs.rmSync(dir, {recursive: true, force: true}));
	const procs = path.join(dir, 'cgroup.procs');
	fs.writeFileSync(procs, '');
	const child = spawn(launcher, ['--wait-fd', String(gateFd), '/dev/null', '/dev/null', procs, '--', '/bin/echo', 'ran'], {stdio: ['ignore', 'pipe', 'pipe', 'ignore', 'ignore', 'ignore', 'ignore', 'pipe']});
	let stdout = '';
	child.stdout!.on('data', (chunk: Buffer) => {
		stdout += chunk.toString();
	});
	const gate = (child.stdio as unknown as NodeJS.WritableStream[])[gateFd]!;
	// It joins first, then waits: the pid is written before anything is sent.
	for (let tries = 0; fs.readFileSync(procs, 'utf8') === '' && tries < 200; tries++) {
		await new Promise(resolve => setTimeout(resolve, 5));
	}

	const joined = fs.readFileSync(procs, 'utf8');
	if (send === null) {
		gate.end();
	} else {
		gate.end(send);
	}

	const code = await new Promise<number | null>(resolve => child.once('close', resolve));
	return {code, stdout, joined: joined.trim() === String(child.pid) ? 'its own pid' : joined};
}

test('--wait-fd: joins at once, runs the command only after the byte g', async t => {
	const launched = await launch(t, 'g');
	t.is(launched.joined, 'its own pid');
	t.is(launched.stdout, 'ran\n');
	t.is(launched.code, 0);
});

test('--wait-fd: end of file, and the command never runs', async t => {
	const launched = await launch(t, null);
	t.is(launched.joined, 'its own pid');
	t.is(launched.stdout, '');
	t.is(launched.code, 125);
});

test('--wait-fd: any other byte, and the command never runs', async t => {
	const launched = await launch(t, 'x');
	t.is(launched.stdout, '');
	t.is(launched.code, 125);
});

test('--wait-fd refuses a descriptor of the cgroup counters', async t => {
	const child = spawn(launcher, ['--wait-fd', '5', '/dev/null', '/dev/null', '/dev/null', '--', '/bin/true'], {stdio: 'ignore'});
	t.is(await new Promise<number | null>(resolve => child.once('close', resolve)), 125);
});
