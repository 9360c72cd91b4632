// C++, the compiler options and multi-file programs through the real server, gcc/g++ and bwrap.
import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import {goldLinker} from '../../src/job/language.ts';
import {assertHostClean, example, execute, run, serverArgs, startServer, uidOffset, type RunningServer} from '../helpers/server.ts';

let server: RunningServer;
test.before(async () => {
	server = await startServer({uidBase: 64_000});
});
test.after.always(async () => {
	await server?.stop();
});

test.serial('C++: iostream, the standard library, gnu++17 by default', async t => {
	const {status, body} = await execute(server, {language: 'cpp', code: example('hello.cpp')});
	t.is(status, 200);
	t.like(body, {status: 'ok', output: 'Hello from C++! sum=15 std=201703\n', exit_code: 0});
	await assertHostClean(t, server);
});

test.serial('C++: std chosen; an uncaught exception aborts', async t => {
	t.like((await execute(server, {language: 'cpp', std: 'c++20', code: example('hello.cpp')})).body, {output: 'Hello from C++! sum=15 std=202002\n'});
	const {body} = await execute(server, {language: 'cpp', code: example('uncaught-exception.cpp')});
	t.like(body, {status: 'signalled', signal: 'SIGABRT', exit_code: -6});
	t.regex(body['error'], /terminate called after throwing an instance of 'std::runtime_error'/);
	await assertHostClean(t, server);
});

test.serial('C++: a compile error names source.cpp', async t => {
	const {body} = await execute(server, {language: 'cpp', code: 'int main() { return missing; }\n'});
	t.like(body, {status: 'compile_error', exit_code: 1});
	t.regex(body['error'], /^source\.cpp:1:21: error: 'missing' was not declared in this scope/m);
	await assertHostClean(t, server);
});

test.serial('std and optimize reach the compiler', async t => {
	t.like((await execute(server, {code: example('options-probe.c')})).body, {output: 'std=201710 optimized\n'});
	t.like((await execute(server, {code: example('options-probe.c'), std: 'c99', optimize: 0})).body, {output: 'std=199901 plain\n'});
	const c89 = await execute(server, {code: 'int main(void) { for (int i = 0; i < 1; i++) {} return 0; }\n', std: 'c89'});
	t.like(c89.body, {status: 'compile_error'});
	t.regex(c89.body['error'], /'for' loop initial declarations are only allowed in C99 or C11 mode/);
	await assertHostClean(t, server);
});

test.serial('files: several sources and a header, compiled together', async t => {
	const {body} = await execute(server, {files: [
		{name: 'main.c', content: '#include <stdio.h>\n#include "util.h"\nint main(void) { printf("%d\\n", twice(21)); return 0; }\n'},
		{name: 'util.h', content: 'int twice(int x);\n'},
		{name: 'util.c', content: '#include "util.h"\nint twice(int x) { return 2 * x; }\n'},
	]});
	t.like(body, {status: 'ok', output: '42\n'});
	const broken = await execute(server, {files: [{name: 'main.c', content: 'int twice(int);\nint main(void) { return twice(1); }\n'}]});
	t.like(broken.body, {status: 'compile_error'});
	t.regex(broken.body['error'], /undefined reference to [`']twice'/, 'gold quotes it so, ld.bfd with a backtick');
	await assertHostClean(t, server);
});

// A program that looks, in its own file, for the name of the note gold writes into what it links (ld.bfd writes
// none); the name is kept reversed, so that the program's own constants do not hold it.
const linkedByGold = (language: 'c' | 'cpp') => `#include <stdio.h>
#include <string.h>
int main(int argc, char **argv) {
	(void)argc;
	FILE *self = fopen(argv[0], "rb");
	static char bytes[1 << 20];
	size_t length = self ? fread(bytes, 1, sizeof bytes, self) : 0;
	const char *reversed = "noisrev-dlog.ung.eton.";
	char note[32] = "";
	for (size_t i = 0, n = strlen(reversed); i < n; i++)
		note[i] = reversed[n - 1 - i];
	for (size_t i = 0; i + strlen(note) <= length; i++)
		if (memcmp(bytes + i, note, strlen(note)) == 0) {
			printf("gold ${language}\\n");
			return 0;
		}
	printf("not gold ${language}: %zu bytes read\\n", length);
	return 0;
}
`;

test.serial('gold links C and C++ programs (this host has it), as /health shows', async t => {
	t.true(fs.existsSync(goldLinker), 'binutils\' gold linker on this host');
	for (const language of ['c', 'cpp'] as const) {
		const {body} = await execute(server, {language, code: linkedByGold(language), optimize: 0});
		t.like(body, {status: 'ok', output: `gold ${language}\n`});
	}

	const health = await (await fetch(`${server.url}/health`)).json() as {policy: {compilers: Record<string, string>}};
	t.regex(health.policy.compilers['c']!, / -fuse-ld=gold /);
	t.regex(health.policy.compilers['cpp']!, / -fuse-ld=gold /);
	t.notRegex(health.policy.compilers['c/tcc']!, /gold/, 'tcc links with its own linker');
	await assertHostClean(t, server);
});

test.serial('C_RUNNER_LINKER=bfd: gcc\'s default linker, and no gold note in what it links', async t => {
	const bfd = await startServer({uidBase: 64_040, env: {C_RUNNER_LINKER: 'bfd'}});
	try {
		const {body} = await execute(bfd, {code: linkedByGold('c'), optimize: 0});
		t.is(body['status'], 'ok');
		t.regex(body['output'], /^not gold c: \d+ bytes read\n$/, 'the check above can fail');
		const health = await (await fetch(`${bfd.url}/health`)).json() as {policy: {compilers: Record<string, string>}};
		t.notRegex(health.policy.compilers['c']!, /fuse-ld/);
		await assertHostClean(t, bfd);
	} finally {
		await bfd.stop();
	}
});

// A mount namespace in which /usr/bin is an overlay that hides ld.gold (a whiteout: a character device 0:0 in the
// upper directory): a host without gold, for the server and every sandbox it binds /usr into.
function withoutGold(): {wrap: string[]; remove: () => void} {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'c-runner-test-nogold-'));
	fs.mkdirSync(path.join(dir, 'upper'));
	fs.mkdirSync(path.join(dir, 'work'));
	execFileSync('mknod', [path.join(dir, 'upper', path.basename(goldLinker)), 'c', '0', '0']);
	const mount = `mount -t overlay overlay -o lowerdir=${path.dirname(goldLinker)},upperdir=${dir}/upper,workdir=${dir}/work ${path.dirname(goldLinker)}`;
	return {
		wrap: ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', `${mount} && test ! -e ${goldLinker} && exec "$@"`, 'sh'],
		remove: () => fs.rmSync(dir, {recursive: true, force: true}),
	};
}

test.serial('a host without gold: C_RUNNER_LINKER=gold stops start-up naming the package, auto links with ld.bfd', async t => {
	if (process.getuid?.() !== 0) {
		t.fail('this test needs root: it hides gold with an overlay mount in a mount namespace of its own');
		return;
	}

	const host = withoutGold();
	try {
		const refused = await run(host.wrap[0]!, [...host.wrap.slice(1), process.execPath, ...serverArgs()], {
			env: {PATH: process.env['PATH'] ?? '/usr/bin:/bin', PORT: '0', C_RUNNER_LINKER: 'gold', C_RUNNER_UID_BASE: String(64_060 + uidOffset)},
			timeout: 30_000,
		});
		t.is(refused.status, 1, refused.stderr);
		t.regex(refused.stderr, /C_RUNNER_LINKER=gold: \/usr\/bin\/ld\.gold is missing \(apt-get install binutils-gold/);

		const auto = await startServer({uidBase: 64_080, wrap: host.wrap});
		try {
			const {body} = await execute(auto, {code: linkedByGold('c'), optimize: 0});
			t.is(body['status'], 'ok');
			t.regex(body['output'], /^not gold c: \d+ bytes read\n$/);
			const health = await (await fetch(`${auto.url}/health`)).json() as {policy: {compilers: Record<string, string>}};
			t.notRegex(health.policy.compilers['c']!, /fuse-ld/);
			await assertHostClean(t, auto);
		} finally {
			await auto.stop();
		}
	} finally {
		host.remove();
	}

	t.true(fs.existsSync(goldLinker), 'the host\'s own gold is untouched');
});

test.serial('bad options are a 400 naming what is allowed', async t => {
	for (const [body, message] of [
		[{code: 'x', language: 'rust'}, /^Field 'language' must be one of: "c", "cpp"/],
		[{code: 'x', std: 'c++17'}, /^Field 'std' must be one of, for c:/],
		[{code: 'x', optimize: 'fast'}, /^Field 'optimize' must be one of: "0", "1", "2", "3", "s"$/],
		[{files: [{name: '../etc/passwd.c', content: 'x'}]}, /^files\[0\]\.name must be a plain file name/],
	] as const) {
		const response = await execute(server, body);
		t.is(response.status, 400);
		t.regex(response.body['error'], message);
	}

	await assertHostClean(t, server);
});
