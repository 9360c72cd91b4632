import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import {CompileCache, openCacheDir} from '../../src/job/compile-cache.ts';
import {currentOwner} from '../../src/job/workspace.ts';
import {compileArgv, programFromCode, type Program} from '../../src/job/language.ts';
import type {CompileOutcome} from '../../src/job/classify.ts';

const versions = new Map([['/usr/bin/gcc', 'gcc 12.2.0'], ['/usr/bin/tcc', 'tcc 0.9.27'], ['/usr/bin/g++', 'g++ 12.2.0']]);
const ok: CompileOutcome = {ok: true, diagnostics: '', stoppedBy: null};
const program = programFromCode('int main(void) { return 0; }');
const keyOf = (cache: CompileCache, of: Program) => cache.keyOf(of, compileArgv(of, 'source', 'gold'));

function scratch(t: {teardown(fn: () => void): void}): string {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'c-runner-cache-unit-'));
	t.teardown(() => fs.rmSync(dir, {recursive: true, force: true}));
	return dir;
}

test('the key changes with the compiler\'s version, and with nothing else unchanged', t => {
	const cache = new CompileCache('/nonexistent', 1024, versions);
	const upgraded = new CompileCache('/nonexistent', 1024, new Map([...versions, ['/usr/bin/gcc', 'gcc 12.3.0']]));
	t.is(keyOf(cache, program), keyOf(new CompileCache('/elsewhere', 99, new Map(versions)), program), 'the same inputs, the same key');
	t.not(keyOf(cache, program), keyOf(upgraded, program), 'another gcc version: another key');
	t.is(keyOf(cache, {...program, options: {...program.options, compiler: 'tcc'}}), keyOf(upgraded, {...program, options: {...program.options, compiler: 'tcc'}}), 'tcc\'s key does not depend on gcc\'s version');
});

test('the key tells file names, contents and their boundaries apart', t => {
	const cache = new CompileCache('/nonexistent', 1024, versions);
	const files = (...pairs: Array<[string, string]>): Program => ({options: program.options, files: pairs.map(([name, content]) => ({name, content}))});
	const keys = [
		files(['a.c', 'int x;'], ['b.h', '']),
		files(['a.c', 'int x;b.h']),
		files(['a.c', ''], ['b.h', 'int x;']),
		files(['b.c', 'int x;'], ['b.h', '']),
	].map(variant => keyOf(cache, variant));
	t.is(new Set(keys).size, keys.length);
});

test('entries are evicted least recently used first, within the byte bound; binaries removed with them', async t => {
	const dir = scratch(t);
	const events: string[] = [];
	// Each program file counts as the whole 4 KiB blocks it takes on disk: three fit in 13,000 bytes, not four.
	const cache = new CompileCache(dir, 13_000, versions, {evicted: () => events.push('evicted'), size: bytes => events.push(`size ${bytes}`)});
	const binary = path.join(dir, 'built');
	fs.writeFileSync(binary, Buffer.alloc(900));
	for (const key of ['a', 'b', 'c']) {
		await cache.store(key, ok, 1, binary);
	}

	t.truthy(cache.lookup('a'), 'a used: now the most recent');
	await cache.store('d', ok, 1, binary);
	t.is(cache.lookup('b'), undefined, 'b, the least recently used, went');
	t.truthy(cache.lookup('a'));
	t.truthy(cache.lookup('d'));
	t.true(cache.stats.bytes <= 13_000);
	t.is(cache.stats.bytes, 3 * (4096 + 1), 'blocks on disk, and the key');
	t.false(fs.existsSync(path.join(dir, 'b')));
	t.is(fs.statSync(path.join(dir, 'a')).mode & 0o777, 0o400);
	t.true(events.includes('evicted'));
});

test('what a limit stopped is not kept, nor what is larger than the whole bound, nor anything through a link, nor a compile that ran out of disk quota', async t => {
	const dir = scratch(t);
	const cache = new CompileCache(dir, 1000, versions);
	await cache.store('stopped', {ok: false, diagnostics: 'c-runner: compilation stopped by the compile time limit', stoppedBy: 'wall_time'}, 0, null);
	t.is(cache.lookup('stopped'), undefined);
	const big = path.join(dir, 'big');
	fs.writeFileSync(big, Buffer.alloc(2000));
	await cache.store('big', ok, 1, big);
	t.is(cache.lookup('big'), undefined);
	const link = path.join(dir, 'link');
	fs.symlinkSync('/bin/true', link);
	await t.throwsAsync(cache.store('linked', ok, 1, link), {code: 'ELOOP'});
	t.is(cache.lookup('linked'), undefined);
	await cache.store('error', {ok: false, diagnostics: 'source.c:1:1: error: x', stoppedBy: null}, 0, null);
	t.deepEqual(cache.lookup('error')?.outcome, {ok: false, diagnostics: 'source.c:1:1: error: x', stoppedBy: null});
	// The job root's quota, perhaps: the same source may compile once there is room.
	await cache.store('quota', {ok: false, diagnostics: '/usr/bin/ld.gold: fatal error: source: write: Disk quota exceeded\ncollect2: error: ld returned 1 exit status\n', stoppedBy: null}, 0, null);
	t.is(cache.lookup('quota'), undefined);
});

test('a compile under way is waited for, and ends whether it stored or not', async t => {
	const cache = new CompileCache('/nonexistent', 1000, versions);
	t.is(cache.pending('k'), undefined);
	const end = cache.begin('k');
	const waiting = cache.pending('k');
	t.truthy(waiting);
	end(null);
	t.is(await waiting, null, 'a success: the waiters look in the cache');
	t.is(cache.pending('k'), undefined);
	const failing = cache.begin('f');
	const stopped: CompileOutcome = {ok: false, diagnostics: 'c-runner: compilation stopped by the compile time limit', stoppedBy: 'wall_time'};
	const shared = cache.pending('f');
	failing(stopped);
	t.deepEqual(await shared, stopped, 'a failure, kept or not, is the waiters\' too');
});

test('compile errors larger than the whole bound are not kept, and do not empty the cache', async t => {
	const dir = scratch(t);
	const cache = new CompileCache(dir, 5000, versions);
	await cache.store('small', {ok: false, diagnostics: 'x', stoppedBy: null}, 0, null);
	await cache.store('huge', {ok: false, diagnostics: 'e'.repeat(6000), stoppedBy: null}, 0, null);
	t.is(cache.lookup('huge'), undefined);
	t.truthy(cache.lookup('small'), 'still kept');
});

test('an entry whose program went from the disk is forgotten, so the next compile of it is kept again; hits count once served', async t => {
	const dir = scratch(t);
	const counted: string[] = [];
	const cache = new CompileCache(dir, 100_000, versions, {hit: () => counted.push('hit'), miss: () => counted.push('miss')});
	const binary = path.join(dir, 'built');
	fs.writeFileSync(binary, Buffer.alloc(100));
	await cache.store('k', ok, 1, binary);
	t.truthy(cache.lookup('k'));
	cache.served('k', false);
	t.deepEqual(counted, ['miss'], 'the copy failed: a miss, not a hit');
	t.is(cache.stats.entries, 0);
	await cache.store('k', ok, 1, binary);
	t.truthy(cache.lookup('k'));
	cache.served('k', true);
	t.deepEqual(counted, ['miss', 'hit']);
});

test('a store that cannot finish leaves no partial file, and the same key can be stored later', async t => {
	const dir = scratch(t);
	const cache = new CompileCache(dir, 100_000, versions);
	const binary = path.join(dir, 'built');
	fs.writeFileSync(binary, Buffer.alloc(100));
	// A directory where the program's file goes: the rename fails after the partial file was written, as a full
	// disk fails a write.
	fs.mkdirSync(path.join(dir, 'k'));
	await t.throwsAsync(cache.store('k', ok, 1, binary), {code: 'EISDIR'});
	t.deepEqual(fs.readdirSync(dir).filter(name => name.endsWith('.partial')), [], 'nothing half-written left');
	t.is(cache.lookup('k'), undefined);
	fs.rmdirSync(path.join(dir, 'k'));
	await cache.store('k', ok, 1, binary);
	t.truthy(cache.lookup('k'));
});

test('two stores of one key at once (a program large enough to go through the thread pool) count it once', async t => {
	const dir = scratch(t);
	const cache = new CompileCache(dir, 64 * 1024 * 1024, versions);
	const binary = path.join(dir, 'built');
	fs.writeFileSync(binary, Buffer.alloc(3 * 1024 * 1024, 1));
	await Promise.all([cache.store('same', ok, 1, binary), cache.store('same', ok, 1, binary)]);
	t.is(cache.stats.bytes, (3 * 1024 * 1024) + 'same'.length, 'one entry, counted once');
	t.deepEqual(fs.readdirSync(dir).sort(), ['built', 'same'], 'one file, no partial left');
	await cache.store('other', ok, 1, binary);
	t.is(cache.stats.bytes, 2 * ((3 * 1024 * 1024) + 5) - 1, 'and the next entry counted beside it');
});

test('another user\'s directory at the cache\'s name is left alone: the cache goes to a new one nobody could name, and those of dead instances go', async t => {
	if (process.getuid?.() !== 0) {
		t.log('skipped: making another user\'s directory needs root');
		t.pass();
		return;
	}

	const base = scratch(t);
	const named = path.join(base, 'c-runner-compile-cache-0');
	// Anyone may make this name in a shared /tmp.
	fs.mkdirSync(named, {mode: 0o755});
	fs.chownSync(named, 64_999, 64_999);
	// What a dead instance that was sent elsewhere left: its own, unlocked.
	const dead = fs.mkdtempSync(`${named}-`);
	fs.writeFileSync(path.join(dead, 'entry'), 'a program');
	const told: string[] = [];
	const opened = await openCacheDir(base, currentOwner(), (reason, dir) => told.push(`${reason} -> ${dir}`));
	t.not(opened.path, named);
	t.regex(opened.path, /\/c-runner-compile-cache-0-\w{6}$/);
	t.is(fs.statSync(opened.path).mode & 0o777, 0o700);
	t.deepEqual(told, [`${named} exists and is not a directory of this server's uid with mode 0700 -> ${opened.path}`]);
	t.is(fs.statSync(named).uid, 64_999, 'the other user\'s directory untouched');
	t.false(fs.existsSync(dead), 'the dead instance\'s directory removed');
	// A second instance meanwhile: sent elsewhere too, and the first one's, locked, is kept.
	const second = await openCacheDir(base, currentOwner());
	t.not(second.path, opened.path);
	t.true(fs.existsSync(opened.path));
	fs.closeSync(second.fd);
	fs.closeSync(opened.fd);
});
