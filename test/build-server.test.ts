// scripts/build-server.mjs: dist/ is rebuilt exactly when what it is made from changes, a failed build leaves the
// last good one, and builders started together (parallel test files) build once. Against a small project of its own,
// compiled by the real tsc with the project's two tsconfigs.
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import {ensureServerBuild, sourcesHash} from '../scripts/build-server.mjs';
import {processStart} from '../src/proc.ts';
import {projectRoot} from './helpers/server.ts';

function project(t: {teardown: (fn: () => void) => void}): string {
	const base = fs.mkdtempSync(path.join(os.tmpdir(), 'c-runner-build-test-'));
	t.teardown(() => fs.rmSync(base, {recursive: true, force: true}));
	for (const file of ['tsconfig.json', 'tsconfig.build.json']) {
		fs.copyFileSync(path.join(projectRoot, file), path.join(base, file));
	}

	fs.symlinkSync(path.join(projectRoot, 'node_modules'), path.join(base, 'node_modules'));
	fs.mkdirSync(path.join(base, 'src', 'job'), {recursive: true});
	fs.writeFileSync(path.join(base, 'src', 'main.ts'), "import {answer} from './job/answer.ts';\nconsole.log(answer satisfies number);\n");
	fs.writeFileSync(path.join(base, 'src', 'job', 'answer.ts'), 'export const answer: number = 42;\n');
	return base;
}

/** What a Node process with these arguments writes to stdout, once it has exited 0. */
const nodeOutput = (args: readonly string[]) => new Promise<string>((resolve, reject) => {
	const child = spawn(process.execPath, args, {stdio: ['ignore', 'pipe', 'inherit']});
	let out = '';
	child.stdout.on('data', (chunk: Buffer) => {
		out += chunk.toString();
	});
	child.once('error', reject);
	child.once('close', code => (code === 0 ? resolve(out) : reject(new Error(`node ${args.join(' ')} exited ${code}`))));
});

const runBuilt = async (base: string) => nodeOutput([path.join(base, 'dist', 'main.js')]);

/** A builder in a process of its own: what it prints, `<built> <dist/main.js exists>`. */
const builder = async (base: string) => {
	const script = `import {ensureServerBuild} from ${JSON.stringify(path.join(projectRoot, 'scripts', 'build-server.mjs'))};\nconsole.log(ensureServerBuild({base: ${JSON.stringify(base)}}) + ' ' + (await import('node:fs')).existsSync(${JSON.stringify(path.join(base, 'dist', 'main.js'))}));`;
	return (await nodeOutput(['--input-type=module', '-e', script])).trim();
};

test('the hash covers every source by path and bytes, not dist/', t => {
	const base = project(t);
	const first = sourcesHash(base);
	t.regex(first, /^[0-9a-f]{64}$/);
	t.is(sourcesHash(base), first);
	fs.mkdirSync(path.join(base, 'dist'));
	fs.writeFileSync(path.join(base, 'dist', 'main.js'), 'stale');
	t.is(sourcesHash(base), first, 'what is built is not an input');
	fs.appendFileSync(path.join(base, 'src', 'job', 'answer.ts'), '// edited\n');
	const edited = sourcesHash(base);
	t.not(edited, first);
	fs.renameSync(path.join(base, 'src', 'job', 'answer.ts'), path.join(base, 'src', 'job', 'other.ts'));
	t.not(sourcesHash(base), edited, 'the same bytes under another name');
	fs.writeFileSync(path.join(base, 'src', 'job', 'notes.txt'), 'not a source');
	const renamed = sourcesHash(base);
	fs.rmSync(path.join(base, 'src', 'job', 'notes.txt'));
	t.is(sourcesHash(base), renamed, 'only .ts files are sources');
});

test('built once, rebuilt after an edit, and a failed build keeps the last good dist/', async t => {
	const base = project(t);
	t.true(ensureServerBuild({base}));
	t.is(await runBuilt(base), '42\n', 'runs as JavaScript: the imports rewritten to .js, the types gone');
	t.false(fs.existsSync(path.join(base, 'dist', 'job', 'answer.ts')));
	t.is(fs.statSync(path.join(base, 'dist')).mode & 0o777, 0o755, 'readable by an unprivileged server, as src/ is');
	t.false(ensureServerBuild({base}), 'nothing changed: not rebuilt');
	fs.writeFileSync(path.join(base, 'src', 'job', 'answer.ts'), 'export const answer: number = 43;\n');
	t.true(ensureServerBuild({base}));
	t.is(await runBuilt(base), '43\n');
	fs.writeFileSync(path.join(base, 'src', 'job', 'answer.ts'), 'export const answer: number = ;\n');
	t.throws(() => ensureServerBuild({base}), {message: /compiling src\/ failed: .*answer\.ts/s});
	t.is(await runBuilt(base), '43\n', 'the last good build is still there');
	t.deepEqual(fs.readdirSync(path.join(base, '.cache')), [], 'no lock and no half-built tree left');
});

test('builders started together build once, and each finds dist/ whole', async t => {
	const base = project(t);
	const results = await Promise.all([builder(base), builder(base), builder(base), builder(base)]);
	t.deepEqual(results.toSorted(), ['false true', 'false true', 'false true', 'true true'], results.join(', '));
	t.is(await runBuilt(base), '42\n');
	t.deepEqual(fs.readdirSync(path.join(base, '.cache')), []);
});

test('a lock left by a builder that died is taken over once stale', t => {
	const base = project(t);
	fs.mkdirSync(path.join(base, '.cache', 'dist.lock'), {recursive: true});
	const old = new Date(Date.now() - 120_000);
	fs.utimesSync(path.join(base, '.cache', 'dist.lock'), old, old);
	t.true(ensureServerBuild({base}));
	t.true(fs.existsSync(path.join(base, 'dist', 'main.js')));
});

test('a lock held by a live builder is not taken over, however old it looks (the clock set forward), until that builder is gone', async t => {
	const base = project(t);
	const lock = path.join(base, '.cache', 'dist.lock');
	const holder = spawn('sleep', ['60'], {stdio: 'ignore'});
	const gone = new Promise(resolve => holder.once('exit', resolve));
	try {
		fs.mkdirSync(lock, {recursive: true});
		const named = `${holder.pid} ${processStart(holder.pid!)}`;
		fs.writeFileSync(path.join(lock, 'pid'), named);
		// Made two hours ago by the time of day: what a lock made a moment ago looks like once the clock is set forward.
		const earlier = new Date(Date.now() - 7_200_000);
		fs.utimesSync(lock, earlier, earlier);
		const waiting = builder(base);
		await new Promise(resolve => setTimeout(resolve, 1000));
		const now = fs.existsSync(path.join(lock, 'pid')) ? fs.readFileSync(path.join(lock, 'pid'), 'utf8') : 'no lock';
		t.is(now, named, 'still the live builder\'s lock');
		t.false(fs.existsSync(path.join(base, 'dist')));
		holder.kill('SIGTERM');
		await gone;
		t.is(await waiting, 'true true', 'taken over once its builder is gone');
	} finally {
		holder.kill('SIGKILL');
	}

	t.deepEqual(fs.readdirSync(path.join(base, '.cache')), []);
});

test('a lock naming a pid that another process has since is taken over at once', t => {
	const base = project(t);
	fs.mkdirSync(path.join(base, '.cache', 'dist.lock'), {recursive: true});
	fs.writeFileSync(path.join(base, '.cache', 'dist.lock', 'pid'), `${process.pid} 1`);
	t.true(ensureServerBuild({base}));
	t.deepEqual(fs.readdirSync(path.join(base, '.cache')), []);
});
