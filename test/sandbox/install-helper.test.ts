import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import {installHelper} from '../../src/sandbox/install-helper.ts';

const asRoot = process.getuid?.() === 0;

function withSource(run: (source: string) => void) {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'c-runner-test-'));
	try {
		const source = path.join(dir, 'helper');
		fs.writeFileSync(source, `#!/bin/sh\n# ${dir}\n`, {mode: 0o700});
		run(source);
	} finally {
		fs.rmSync(dir, {recursive: true, force: true});
	}
}

test('installs a root-owned 0755 copy named by its content, once, in a root-owned directory', t => {
	if (!asRoot) {
		t.fail('this test needs root: only a root server installs the helper');
		return;
	}

	const installDir = path.join('/run', `c-runner-test-${process.pid}`, 'helpers');
	try {
		withSource(source => {
			const first = installHelper(source, installDir);
			t.regex(path.basename(first), /^c-runner-sandbox-[\da-f]{16}$/);
			t.is(path.dirname(first), installDir);
			t.is(fs.statSync(first).mode & 0o7777, 0o755);
			t.is(fs.statSync(installDir).mode & 0o7777, 0o755);
			t.true(fs.readFileSync(first).equals(fs.readFileSync(source)));
			t.is(installHelper(source, installDir), first, 'the same content, the same file');
			fs.appendFileSync(source, '# rebuilt\n');
			const second = installHelper(source, installDir);
			t.not(second, first, 'a new build gets its own name: a running sandbox keeps its binary');
			t.deepEqual(fs.readdirSync(installDir).sort(), [path.basename(first), path.basename(second)].sort(), 'no temporary file left');
		});
	} finally {
		fs.rmSync(path.dirname(installDir), {recursive: true, force: true});
	}
});

test('refuses a directory another user could change: under a world-writable one, as /tmp is', t => {
	withSource(source => {
		// A directory this test made, world-writable and sticky like /tmp.
		const shared = path.join(path.dirname(source), 'shared');
		fs.mkdirSync(shared);
		fs.chmodSync(shared, 0o1777);
		t.throws(() => installHelper(source, path.join(shared, 'install')), {message: /must be a real directory owned by root and writable by root alone/});
	});
});

test('refuses a symlinked install directory', t => {
	if (!asRoot) {
		t.fail('this test needs root: it makes a root-owned directory in /run');
		return;
	}

	const base = path.join('/run', `c-runner-test-link-${process.pid}`);
	fs.mkdirSync(base, {mode: 0o755});
	try {
		fs.symlinkSync('/usr/lib', path.join(base, 'link'));
		withSource(source => {
			t.throws(() => installHelper(source, path.join(base, 'link')), {message: /a symlink/});
		});
	} finally {
		fs.rmSync(base, {recursive: true, force: true});
	}
});
