// The set-up script repairs what an interrupted earlier run left, on its own: in a copy of the project (its sources,
// scripts and sandbox programs; node_modules and the fetched Node linked in), a sandbox program cut short to an
// empty file, a playground build that stopped after its first file, a dist/ lock whose builder was killed and its
// half-built directory. One `node scripts/setup.mjs` must leave each whole, and nothing half-made behind.
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import {projectRoot} from './helpers/server.ts';

test('setup.mjs rebuilds an empty sandbox program, a partial playground build, and takes over a dead builder\'s dist/ lock', t => {
	const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'c-runner-setup-test-'));
	t.teardown(() => fs.rmSync(copy, {recursive: true, force: true}));
	for (const entry of ['src', 'scripts', 'sandbox', 'playground', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json']) {
		fs.cpSync(path.join(projectRoot, entry), path.join(copy, entry), {recursive: true, verbatimSymlinks: true, preserveTimestamps: true});
	}

	fs.symlinkSync(path.join(projectRoot, 'node_modules'), path.join(copy, 'node_modules'));
	fs.mkdirSync(path.join(copy, '.cache'));
	if (fs.existsSync(path.join(projectRoot, '.cache', 'node'))) {
		fs.symlinkSync(path.join(projectRoot, '.cache', 'node'), path.join(copy, '.cache', 'node'));
	}

	// What interrupted runs leave: each newer than its sources, so that a check of times alone would trust it.
	const pty = path.join(copy, 'sandbox', 'build', 'c-runner-pty');
	fs.writeFileSync(pty, '');
	const playground = path.join(copy, 'playground', 'build');
	fs.rmSync(playground, {recursive: true, force: true});
	fs.mkdirSync(playground);
	fs.writeFileSync(path.join(playground, 'app.js'), '');
	fs.mkdirSync(path.join(copy, '.cache', 'dist.lock'));
	fs.writeFileSync(path.join(copy, '.cache', 'dist.lock', 'pid'), '999999999');
	fs.mkdirSync(path.join(copy, '.cache', 'dist-leftover'));

	// The linked node_modules must pass for installed: an `npm ci` in the copy would empty the project's own.
	const marker = fs.statSync(path.join(projectRoot, 'node_modules', '.package-lock.json')).mtimeMs;
	if (marker < fs.statSync(path.join(copy, 'package-lock.json')).mtimeMs || marker < fs.statSync(path.join(copy, 'package.json')).mtimeMs) {
		t.fail('node_modules is older than package-lock.json: run the set-up once first');
		return;
	}

	const started = performance.now();
	const setup = spawnSync(process.execPath, [path.join(copy, 'scripts', 'setup.mjs')], {encoding: 'utf8', cwd: '/', timeout: 120_000});
	const seconds = (performance.now() - started) / 1000;
	t.is(setup.status, 0, setup.stderr);
	t.regex(setup.stderr, /building sandbox\/build\/c-runner-pty/);
	t.is(fs.readFileSync(pty).subarray(0, 4).toString('latin1'), '\u007FELF', 'the relay is a program again');
	t.deepEqual(fs.readdirSync(playground).sort(), ['app.css', 'app.js', 'app.js.LEGAL.txt', 'index.html']);
	t.true(fs.statSync(path.join(playground, 'app.js')).size > 1000);
	t.true(fs.existsSync(path.join(copy, 'dist', 'main.js')), 'dist/ built');
	t.true(seconds < 50, `the dead builder's lock was taken over at once (${seconds.toFixed(1)} s; a stale-by-age lock waits 60 s)`);
	t.deepEqual(fs.readdirSync(path.join(copy, '.cache')).filter(name => name !== 'node').sort(), [], 'no lock, no half-built dist-* left');
	t.deepEqual(fs.readdirSync(path.join(copy, 'sandbox', 'build')).filter(name => name.includes('.partial')), []);
	t.deepEqual(fs.readdirSync(path.join(copy, 'playground')).filter(name => name.includes('.partial')), []);
});
