// The compile cache through the real server, gcc, tcc and bwrap: what is a hit and what a miss, a compile error
// answered again, a job that tries to change the program it was given, identical requests at once, the byte bound.
import {createHash} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {assertHostClean, example, execute, slowSource, startServer, waitFor, type RunningServer} from '../helpers/server.ts';

let server: RunningServer;
test.before(async () => {
	server = await startServer({uidBase: 66_000});
});
test.after.always(async () => {
	await server?.stop();
});

/** A hello world no other test sends: every test starts from a miss. */
const hello = (tag: string) => `#include <stdio.h>\nint main(void) { puts("hello ${tag}"); return 0; }\n`;

/** The cached files, each with a hash of its content. */
function cachedFiles(running: RunningServer): Record<string, string> {
	const [dir] = fs.readdirSync(running.cacheDir);
	const full = path.join(running.cacheDir, dir!);
	return Object.fromEntries(fs.readdirSync(full).filter(name => !name.startsWith('.')).map(name =>
		[name, createHash('sha256').update(fs.readFileSync(path.join(full, name))).digest('hex')]));
}

test.serial('the same request again is served from the cache: the same answer, no compiler run', async t => {
	const body = {code: hello('again')};
	const first = await execute(server, body);
	const second = await execute(server, body);
	t.like(first.body, {status: 'ok', output: 'hello again\n', compile_cached: false});
	t.like(second.body, {status: 'ok', output: 'hello again\n', compile_cached: true});
	t.regex(first.headers.get('server-timing') ?? '', /(?:^|, )compile;dur=/, 'the first ran the compiler');
	t.notRegex(second.headers.get('server-timing') ?? '', /(?:^|, )compile(?:_sandbox)?;dur=/, 'the second did not');
	await assertHostClean(t, server);
});

test.serial('a changed source, flag, std, optimize, language or compiler is a miss', async t => {
	const base = {code: hello('variants')};
	const variants: Array<[string, Record<string, unknown>]> = [
		['the base request', base],
		['another source', {code: hello('variants, changed')}],
		['another file name', {files: [{name: 'main.c', content: base.code}]}],
		['another std', {...base, std: 'c11'}],
		['another optimize', {...base, optimize: '0'}],
		['another language', {...base, language: 'cpp'}],
		['another compiler', {...base, compiler: 'tcc'}],
	];
	for (const [what, body] of variants) {
		const {body: answer} = await execute(server, body);
		t.like(answer, {status: 'ok', compile_cached: false}, `${what}: a miss`);
	}

	for (const [what, body] of variants) {
		const {body: answer} = await execute(server, body);
		t.like(answer, {status: 'ok', compile_cached: true}, `${what}, again: a hit`);
		t.regex(answer['output'], /^hello variants/, what);
	}

	await assertHostClean(t, server);
});

test.serial('a compile error is answered from the cache with the same diagnostics', async t => {
	const body = {code: '#include <stdio.h>\nint main(void) { int unused; printf("x" return 0; }\n'};
	const first = await execute(server, body);
	const second = await execute(server, body);
	t.like(first.body, {status: 'compile_error', exit_code: 1, compile_cached: false});
	t.regex(first.body['error'], /^source\.c:2:\d+: error: expected '\)' before 'return'/m);
	t.like(second.body, {status: 'compile_error', exit_code: 1, compile_cached: true});
	t.is(second.body['error'], first.body['error'], 'the same text, byte for byte');
	await assertHostClean(t, server);
});

test.serial('gcc\'s warnings come with a cached program too', async t => {
	const body = {code: '#include <stdio.h>\nint main(void) { int unused; puts("warned"); return 0; }\n'};
	const first = await execute(server, body);
	const second = await execute(server, body);
	t.regex(first.body['warnings'], /unused variable 'unused'/);
	t.like(second.body, {compile_cached: true, warnings: first.body['warnings'], output: 'warned\n'});
});

test.serial('a job cannot change the cached program: writing over its own binary fails, the next run is the compiled one', async t => {
	const body = {code: example('rewrite-own-binary.c')};
	const first = await execute(server, body);
	t.like(first.body, {status: 'ok', compile_cached: false});
	t.regex(first.body['output'], /^open: (?:EROFS|ETXTBSY|EACCES)\nrename: \S+\nstill the compiled program\n$/);
	t.notRegex(first.body['output'], /: done/, 'neither attempt worked');
	const before = cachedFiles(server);
	const second = await execute(server, body);
	t.like(second.body, {status: 'ok', compile_cached: true, output: first.body['output']});
	t.deepEqual(cachedFiles(server), before, 'the cached programs are unchanged');
	await assertHostClean(t, server);
});

test.serial('the cache directory is the server\'s alone: mode 0700, programs read-only', t => {
	const [dir] = fs.readdirSync(server.cacheDir);
	const full = path.join(server.cacheDir, dir!);
	t.is(fs.statSync(full).mode & 0o777, 0o700);
	t.is(fs.statSync(full).uid, process.getuid!());
	for (const name of Object.keys(cachedFiles(server))) {
		t.is(fs.statSync(path.join(full, name)).mode & 0o777, 0o400, name);
	}
});

test.serial('identical requests arriving together compile once', async t => {
	const body = {code: hello('together')};
	const answers = await Promise.all(Array.from({length: 4}, async () => execute(server, body)));
	t.deepEqual(answers.map(answer => answer.body['output']), Array.from({length: 4}, () => 'hello together\n'));
	t.is(answers.filter(answer => answer.body['compile_cached'] === false).length, 1, 'one compiled, the others waited for it');
	await assertHostClean(t, server);
});

test('identical requests whose compile a limit stops share that one compile: none is compiled again after it', async t => {
	// 300 ms of compile CPU; the source takes gcc about 2.5 s: every attempt is stopped, and nothing is kept.
	const limited = await startServer({uidBase: 66_030, env: {C_RUNNER_COMPILE_CPU_MS: '300'}});
	try {
		const compiles = async () => Number(/^c_runner_compile_duration_seconds_count\{language="c",compiler="gcc"\} (\d+)$/m.exec(await (await fetch(`${limited.url}/metrics`)).text())?.[1] ?? 0);
		const before = await compiles();
		const slow = slowSource();
		const answers = await Promise.all(Array.from({length: 3}, async () => execute(limited, {code: slow})));
		for (const {status, body} of answers) {
			t.is(status, 200);
			t.like(body, {status: 'compile_error', stopped_by: 'cpu_time'});
		}

		t.is(await compiles() - before, 1, 'one compile for the three (they were compiled one after another, each to the limit)');
		t.is(answers.filter(answer => answer.body['compile_cached'] === false).length, 1);
		const again = await execute(limited, {code: slow});
		t.like(again.body, {status: 'compile_error', stopped_by: 'cpu_time', compile_cached: false}, 'a later request tries again: a stopped compile is not kept');
		await assertHostClean(t, limited);
	} finally {
		await limited.stop();
	}
});

test('a request waiting for an identical compile whose client leaves gives its slot back at once, not when that compile ends', async t => {
	const waiting = await startServer({uidBase: 66_040, env: {C_RUNNER_CONCURRENCY: '2'}});
	try {
		const inFlight = async () => Number(/^c_runner_jobs_in_flight (\d+)$/m.exec(await (await fetch(`${waiting.url}/metrics`)).text())?.[1]);
		// Some 2.5 s of gcc: the first request compiles it, the second waits for that compile.
		const slow = slowSource();
		let firstDone = false;
		const first = execute(waiting, {code: slow}).finally(() => {
			firstDone = true;
		});
		t.true(await waitFor(async () => await inFlight() === 1, 30_000));
		const leaving = new AbortController();
		const second = fetch(`${waiting.url}/execute_c`, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({code: slow}), signal: leaving.signal});
		t.true(await waitFor(async () => await inFlight() === 2, 30_000), 'the second holds a slot while it waits');
		leaving.abort();
		await t.throwsAsync(second);
		t.true(await waitFor(async () => await inFlight() === 1, 30_000), 'its slot is given back');
		t.false(firstDone, 'while the compile it waited for still runs');
		t.like((await first).body, {status: 'ok', output: '0\n'});
		await assertHostClean(t, waiting);
	} finally {
		await waiting.stop();
	}
});

test('the byte bound holds: the least recently used goes first', async t => {
	// A hello world is 8-16 KiB (gold or ld.bfd): as many are compiled as the bound holds, and two more.
	const bound = 56 * 1024;
	const small = await startServer({uidBase: 66_010, env: {C_RUNNER_COMPILE_CACHE_BYTES: String(bound)}});
	try {
		const onDisk = () => {
			const [dir] = fs.readdirSync(small.cacheDir);
			// As `du` counts: the blocks each program file takes (the owner mark aside).
			return fs.readdirSync(path.join(small.cacheDir, dir!)).filter(name => !name.startsWith('.')).reduce((total, name) => total + (fs.statSync(path.join(small.cacheDir, dir!, name)).blocks * 512), 0);
		};

		t.like((await execute(small, {code: hello('bound 0')})).body, {compile_cached: false});
		const programs = Math.floor(bound / onDisk()) + 2;
		for (let tag = 1; tag < programs; tag++) {
			t.like((await execute(small, {code: hello(`bound ${tag}`)})).body, {compile_cached: false});
			t.true(onDisk() <= bound, `${onDisk()} bytes on disk after ${tag}`);
		}

		t.like((await execute(small, {code: hello(`bound ${programs - 1}`)})).body, {compile_cached: true}, 'the newest is kept');
		t.like((await execute(small, {code: hello('bound 0')})).body, {compile_cached: false}, 'the oldest was evicted');
		await assertHostClean(t, small);
	} finally {
		await small.stop();
	}
});

test('C_RUNNER_COMPILE_CACHE_BYTES=0 turns the cache off', async t => {
	const off = await startServer({uidBase: 66_020, env: {C_RUNNER_COMPILE_CACHE_BYTES: '0'}});
	try {
		const body = {code: hello('off')};
		t.like((await execute(off, body)).body, {compile_cached: false});
		t.like((await execute(off, body)).body, {compile_cached: false, output: 'hello off\n'});
		t.deepEqual(fs.readdirSync(off.cacheDir), [], 'no cache directory made');
		await assertHostClean(t, off);
	} finally {
		await off.stop();
	}
});

test('a cache directory removed while the server runs is never replaced by what is put at its name: no program of another user is served', async t => {
	const own = await startServer({uidBase: 66_050});
	try {
		const [name] = fs.readdirSync(own.cacheDir);
		const dir = path.join(own.cacheDir, name!);
		const genuine = {code: hello('genuine')};
		t.like((await execute(own, genuine)).body, {compile_cached: false});
		const [genuineKey] = Object.keys(cachedFiles(own));
		t.like((await execute(own, {code: hello('planted')})).body, {compile_cached: false});
		const plantedKey = Object.keys(cachedFiles(own)).find(key => key !== genuineKey);
		const planted = fs.readFileSync(path.join(dir, plantedKey!));
		// Gone (a /tmp cleaner, say), and another user's directory made at its name, holding a program of theirs under
		// the genuine request's key.
		fs.rmSync(dir, {recursive: true});
		fs.mkdirSync(dir);
		fs.chmodSync(dir, 0o777);
		fs.chownSync(dir, 65_534, 65_534);
		fs.writeFileSync(path.join(dir, genuineKey!), planted, {mode: 0o755});
		fs.chownSync(path.join(dir, genuineKey!), 65_534, 65_534);
		for (const attempt of ['first', 'again']) {
			t.like((await execute(own, genuine)).body, {status: 'ok', output: 'hello genuine\n', compile_cached: false}, `${attempt}: compiled, never the planted program`);
		}

		t.deepEqual(fs.readdirSync(dir), [genuineKey], 'nothing written into the other user\'s directory');
		await assertHostClean(t, own);
	} finally {
		await own.stop();
	}
});
