import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import pino from 'pino';
import {createWorkspace, currentOwner, fillRunPlaceholders, openInstanceLock, sweepStaleWorkspaces, syncCopyMaxBytes, writeJobFile, writeRunPlaceholders, writeStdin} from '../../src/job/workspace.ts';

function withRoot(run: (root: string) => Promise<void>) {
	return async () => {
		const root = fs.mkdtempSync(path.join(os.tmpdir(), 'c-runner-test-'));
		try {
			await run(root);
		} finally {
			fs.rmSync(root, {recursive: true, force: true});
		}
	};
}

test('a job directory: c_exec_<uuid>, mode 0700, the owner mark and the files; dispose removes it all', async t => withRoot(async root => {
	const workspace = await createWorkspace(root, currentOwner(), null, {files: [{name: 'main.c', content: 'int main(void) { return 0; }'}, {name: 'util.h', content: ''}]});
	t.regex(path.basename(workspace.dir), /^c_exec_[\da-f]{8}-[\da-f]{4}-4[\da-f]{3}-[89ab][\da-f]{3}-[\da-f]{12}$/);
	t.is(fs.statSync(workspace.dir).mode & 0o777, 0o700);
	t.deepEqual(fs.readdirSync(workspace.dir).sort(), ['.owner', 'main.c', 'util.h']);
	t.is(fs.statSync(path.join(workspace.dir, 'main.c')).mode & 0o777, 0o600);
	t.deepEqual(JSON.parse(fs.readFileSync(path.join(workspace.dir, '.owner'), 'utf8')), currentOwner());
	await writeStdin(workspace, 'input', null);
	t.is(fs.readFileSync(workspace.stdinPath, 'utf8'), 'input');
	t.is(fs.statSync(workspace.stdinPath).mode & 0o777, 0o400, 'read-only: for the launcher to open, as the job\'s uid');
	await t.throwsAsync(writeStdin(workspace, 'again', null), {code: 'EEXIST'}, 'nothing is written over');
	const file = await writeJobFile(workspace, 'expected', 'x', null);
	t.is(fs.statSync(file).mode & 0o777, 0o400);
	await workspace.dispose();
	t.false(fs.existsSync(workspace.dir));
})());

test('a job directory for a compiled program: the binary copied, executable; the source never there', async t => withRoot(async root => {
	const binary = path.join(root, 'built');
	fs.writeFileSync(binary, '\x7FELF', {mode: 0o700});
	const workspace = await createWorkspace(root, currentOwner(), null, {binaryFrom: binary});
	t.deepEqual(fs.readdirSync(workspace.dir).sort(), ['.owner', 'source']);
	t.is(fs.statSync(workspace.binaryPath).mode & 0o777, 0o755);
	await workspace.dispose();
})());

test('a failure while filling it removes the directory it made', async t => withRoot(async root => {
	await t.throwsAsync(createWorkspace(root, currentOwner(), null, {binaryFrom: path.join(root, 'missing')}), {code: 'ENOENT'});
	t.deepEqual(fs.readdirSync(root), [], 'no half-made job directory');
})());

test('placeholders are filled in place: the same files, the program small or large, the stdin; a non-empty one is refused', async t => withRoot(async root => {
	for (const size of [5, syncCopyMaxBytes * 2 + 3]) {
		const binary = path.join(root, `built-${size}`);
		const content = Buffer.alloc(size, 7);
		content.write('\x7FELF');
		fs.writeFileSync(binary, content, {mode: 0o700});
		const workspace = await createWorkspace(root, currentOwner(), null, {files: []});
		await writeRunPlaceholders(workspace, null);
		const inodes = [fs.statSync(workspace.binaryPath).ino, fs.statSync(workspace.stdinPath).ino];
		await fillRunPlaceholders(workspace, binary, 'input');
		t.deepEqual([fs.statSync(workspace.binaryPath).ino, fs.statSync(workspace.stdinPath).ino], inodes, 'the sandbox made ahead has these very files bound');
		t.true(fs.readFileSync(workspace.binaryPath).equals(content));
		t.is(fs.readFileSync(workspace.stdinPath, 'utf8'), 'input');
		await t.throwsAsync(fillRunPlaceholders(workspace, binary, null), {message: /is not an empty placeholder/}, 'never written over');
		await workspace.dispose();
	}
})());

test('the sweep tells a running instance by the lock file its marks name, not by its pid; a dead one\'s lock file goes with its directories', async t => withRoot(async root => {
	fs.chmodSync(root, 0o711);
	const uid = process.getuid!();
	const scope = {serverUid: uid, ownerUids: new Set([uid])};
	// A running instance whose pid is no process here (one in another pid namespace): its lock is held.
	const running = await openInstanceLock(root);
	const runningDir = await createWorkspace(root, {pid: 999_999_999, start: '1', lock: running.name}, null, {files: [{name: 'main.c', content: ''}]});
	// A dead one whose pid and start name this very process: its lock file is there, held by nobody.
	const dead = await openInstanceLock(root);
	const deadName = dead.name;
	const deadDir = await createWorkspace(root, {...currentOwner(), lock: deadName}, null, {files: [{name: 'main.c', content: ''}]});
	fs.linkSync(path.join(root, deadName), path.join(root, 'kept-link'));
	await dead.close();
	fs.linkSync(path.join(root, 'kept-link'), path.join(root, deadName));
	fs.rmSync(path.join(root, 'kept-link'));
	// One whose lock file is gone (its instance ended), and a lone lock file nobody holds.
	const goneDir = await createWorkspace(root, {...currentOwner(), lock: '.c-runner-instance-00000000-0000-4000-8000-000000000000'}, null, {files: [{name: 'main.c', content: ''}]});
	const lone = '.c-runner-instance-00000000-0000-4000-8000-000000000001';
	fs.writeFileSync(path.join(root, lone), '', {mode: 0o600});

	const removed = await sweepStaleWorkspaces(root, scope, pino({level: 'silent'}));
	t.is(removed, 2);
	t.true(fs.existsSync(runningDir.dir), 'the running instance\'s directory stays');
	t.false(fs.existsSync(deadDir.dir));
	t.false(fs.existsSync(goneDir.dir));
	t.deepEqual(fs.readdirSync(root).sort(), [running.name, path.basename(runningDir.dir)].sort(), 'the dead instances\' lock files are gone, the running one\'s stays');
	await runningDir.dispose();
	await running.close();
	t.deepEqual(fs.readdirSync(root), [], 'an instance removes its lock file at its end');
})());
