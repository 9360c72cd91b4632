// The start-up sweep of stale job directories, attacked in a world-writable sticky job root as /tmp is: another
// user's directory with a forged owner mark, a symlink, a FIFO or a directory as the mark, a file where a directory
// is expected, and a process that swaps a subdirectory for a symlink to outside while the sweep deletes. Each time
// the real server must start promptly, delete only the stale directory of a dead instance of its own, and touch
// nothing outside. The attacks are planted by examples/sweep-attack.sh.
import {spawn, spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import {aheadJobDirs, assertHostClean, examplesDir, heldLock, settledAhead, startServer, uidOffset} from '../helpers/server.ts';

const uidBase = 65_100;
/** Not one of the server's sandbox uids (63000–63004 with the default test concurrency of 4). */
const otherUser = 65_150 + uidOffset;
const slotUser = uidBase + 1 + uidOffset;
/** The race test's server has its own uids (63010–63014), so the two tests never see each other's processes. */
const raceSlotUser = uidBase + 11 + uidOffset;

const jobName = (n: number) => `c_exec_00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const deadOwner = () => JSON.stringify({pid: spawnSync('true').pid!, start: '1'});

function plantTree(dir: string, files: number) {
	fs.mkdirSync(path.join(dir, 'sub'), {recursive: true, mode: 0o700});
	for (let index = 0; index < files; index++) {
		fs.writeFileSync(path.join(dir, 'sub', `f${index}`), 'x');
	}
}

function chownTree(dir: string, uid: number) {
	spawnSync('chown', ['-R', `${uid}:${uid}`, dir]);
}

/** Files outside the job root that a sweep following a link would delete. */
function makeVictim(): string {
	const victim = fs.mkdtempSync(path.join(os.tmpdir(), 'c-runner-victim-'));
	for (let index = 0; index < 20; index++) {
		fs.writeFileSync(path.join(victim, `f${index}`), 'precious');
	}

	return victim;
}

const victimIntact = (victim: string) => fs.readdirSync(victim).filter(name => name.startsWith('f')).length === 20;

test('start-up sweep in a sticky world-writable root: trusts nothing, never follows a link, never hangs', async t => {
	// A directory this test made; the script makes it world-writable and sticky, like /tmp.
	const jobRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'c-runner-sweep-'));
	const victim = makeVictim();
	const at = (n: number) => path.join(jobRoot, jobName(n));
	const planted = spawnSync('bash', [path.join(examplesDir, 'sweep-attack.sh'), jobRoot, victim, String(otherUser), String(slotUser)], {encoding: 'utf8'});
	t.is(planted.status, 0, planted.stderr);
	t.is(fs.statSync(jobRoot).mode & 0o7777, 0o1777);

	const started = performance.now();
	const server = await startServer({uidBase, jobRoot});
	const startMs = performance.now() - started;
	try {
		t.true(startMs < 60_000, `start-up took ${Math.round(startMs)} ms`);
		t.false(fs.existsSync(at(1)), 'the stale directory of a dead instance is removed, read-only subtree and all');
		t.false(fs.existsSync(at(2)), 'so is one owned by a sandbox uid');
		for (const n of [3, 4, 5, 6, 7, 9]) {
			t.true(fs.existsSync(at(n)), `${jobName(n)} is left alone`);
		}

		t.is(fs.lstatSync(at(3)).uid, otherUser);
		t.is(fs.readdirSync(path.join(at(3), 'sub')).length, 3, 'another user\'s files are all there');
		t.true(fs.lstatSync(at(8)).isSymbolicLink(), 'the symlink itself stays');
		t.true(victimIntact(victim), 'nothing outside the job root is deleted');
		t.is(server.logs.find(entry => entry['msg'] === 'c-runner listening')?.['swept'], 2);
		t.deepEqual(fs.readdirSync(jobRoot).filter(name => name.startsWith('.c-runner-sweep-')), [], 'the sweep\'s private directory is gone');
		const health = await fetch(`${server.url}/health`);
		t.is(health.status, 200);
		await assertHostClean(t, server);
	} finally {
		await server.stop();
		fs.rmSync(jobRoot, {recursive: true, force: true});
		fs.rmSync(victim, {recursive: true, force: true});
	}
});

/** Swaps `sub` for a symlink to the victim and back, as fast as it can, from inside the directory (its cwd). */
const flipper = String.raw`
const fs = require('node:fs');
const [victim, ms] = process.argv.slice(1);
const end = Date.now() + Number(ms);
let flips = 0;
// Until its directory is deleted (a deleted directory has no links) or the time is up.
while (Date.now() < end && fs.statSync('.').nlink > 0) {
	try { fs.renameSync('sub', 'sub.real'); } catch {}
	try { fs.symlinkSync(victim, 'sub'); flips++; } catch {}
	try { fs.unlinkSync('sub'); } catch {}
	try { fs.renameSync('sub.real', 'sub'); } catch {}
}
console.log(flips);
`;

test('start-up sweep while a process inside the stale directory swaps a subdirectory for a symlink to outside', async t => {
	const jobRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'c-runner-sweep-'));
	fs.chmodSync(jobRoot, 0o1777);
	const victim = makeVictim();
	const stale = path.join(jobRoot, jobName(20));
	plantTree(stale, 3000);
	fs.writeFileSync(path.join(stale, '.owner'), deadOwner(), {mode: 0o600});
	chownTree(path.join(stale, 'sub'), raceSlotUser);
	// The attacker: a process of a sandbox uid working inside the directory, bounded in time.
	fs.chownSync(stale, raceSlotUser, raceSlotUser);
	const attacker = spawn('/usr/bin/node', ['-e', flipper, victim, '20000'], {cwd: stale, uid: raceSlotUser, gid: raceSlotUser, stdio: ['ignore', 'pipe', 'inherit']});
	let flips = '';
	attacker.stdout.on('data', (chunk: Buffer) => {
		flips += chunk.toString();
	});
	// 'close', not 'exit': its count of flips is the last thing it writes.
	const attackerDone = new Promise(resolve => attacker.once('close', resolve));
	const server = await startServer({uidBase: uidBase + 10, jobRoot});
	try {
		await attackerDone;
		t.true(Number(flips) > 0, 'the attacker swapped the subdirectory at least once');
		t.true(victimIntact(victim), 'nothing outside the job root is deleted');
		t.false(fs.existsSync(stale), 'the stale directory is gone from the job root');
		t.is(server.logs.find(entry => entry['msg'] === 'c-runner listening')?.['swept'], 1);
		// The compile sandboxes the server made ahead hold job directories of their own: not leftovers (looked at
		// once they are all made).
		await settledAhead(server, 4);
		const left = fs.readdirSync(jobRoot).filter(name => !aheadJobDirs(server).includes(name) && !heldLock(server, name));
		// While the attacker kept writing inside, the deletion may not have finished: then it says so, and the
		// next start-up finishes it.
		if (left.length > 0) {
			t.true(server.logs.some(entry => entry['msg'] === 'could not delete every stale job directory'), `left: ${left.join(', ')}`);
			await server.stop();
			const next = await startServer({uidBase: uidBase + 10, jobRoot});
			t.true(next.logs.some(entry => entry['msg'] === 'removed what an earlier sweep left'));
			await next.stop();
		}

		t.deepEqual(fs.readdirSync(jobRoot).filter(name => !aheadJobDirs(server).includes(name) && !heldLock(server, name)), [], 'nothing left in the job root');
		t.true(victimIntact(victim), 'still nothing outside deleted');
		await assertHostClean(t, server);
	} finally {
		attacker.kill('SIGKILL');
		await server.stop();
		fs.rmSync(jobRoot, {recursive: true, force: true});
		fs.rmSync(victim, {recursive: true, force: true});
	}

	t.log(`symlink swaps by the attacker while the sweep ran: ${flips.trim()}`);
});

test('an unprivileged server sweeps its own stale directory and leaves root\'s alone', async t => {
	const serverUid = 65_120 + uidOffset;
	const jobRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'c-runner-sweep-'));
	const own = path.join(jobRoot, jobName(30));
	plantTree(own, 3);
	fs.writeFileSync(path.join(own, '.owner'), deadOwner(), {mode: 0o600});
	chownTree(own, serverUid);
	// root's directory with a mark naming a dead pid: not this server's uid, so not its business.
	const rootsOwn = path.join(jobRoot, jobName(31));
	plantTree(rootsOwn, 3);
	fs.writeFileSync(path.join(rootsOwn, '.owner'), deadOwner(), {mode: 0o600});
	// The job root of an unprivileged server is its own, as a container's /tmp is writable by it.
	fs.chownSync(jobRoot, serverUid, serverUid);
	const server = await startServer({uidBase: 65_120, runAs: 65_120, jobRoot});
	try {
		t.false(fs.existsSync(own), 'the stale directory of a dead instance of the same uid is removed');
		t.true(fs.existsSync(path.join(rootsOwn, 'sub', 'f2')), 'root\'s directory is left whole');
		t.is(server.logs.find(entry => entry['msg'] === 'c-runner listening')?.['swept'], 1);
		await assertHostClean(t, server);
	} finally {
		await server.stop();
		fs.rmSync(jobRoot, {recursive: true, force: true});
	}
});
