import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import {CompileCache} from '../../src/job/compile-cache.ts';
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
	const cache = new CompileCache(dir, 3000, versions, {evicted: () => events.push('evicted'), size: bytes => events.push(`size ${bytes}`)});
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
	t.true(cache.stats.bytes <= 3000);
	t.false(fs.existsSync(path.join(dir, 'b')));
	t.is(fs.statSync(path.join(dir, 'a')).mode & 0o777, 0o400);
	t.true(events.includes('evicted'));
});

test('what a limit stopped is not kept, nor what is larger than the whole bound, nor anything through a link', async t => {
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
});

test('a compile under way is waited for, and ends whether it stored or not', async t => {
	const cache = new CompileCache('/nonexistent', 1000, versions);
	t.is(cache.pending('k'), undefined);
	const end = cache.begin('k');
	const waiting = cache.pending('k');
	t.truthy(waiting);
	end();
	await waiting;
	t.is(cache.pending('k'), undefined);
});
