// The Piston and Judge0 routes through the real server, gcc/g++ and bwrap: Piston's own Node client, unchanged but
// for its server URL, and the request and response examples of Judge0 CE's API documentation, replayed field by
// field (no Judge0 client package can be installed here).
import test from 'ava';
import piston from 'piston-client';
import {assertHostClean, example, startServer, type RunningServer} from '../helpers/server.ts';

let server: RunningServer;
test.before(async () => {
	// A file size limit the Judge0 test can lower (the test limits' is 1 MiB, the smallest).
	server = await startServer({uidBase: 64_100, env: {C_RUNNER_RUN_FILE_SIZE_MB: '4'}});
});
test.after.always(async () => {
	await server?.stop();
});

// --- Piston ------------------------------------------------------------------------------------------------------

interface PistonStage {stdout: string; stderr: string; output: string; code: number | null; signal: string | null; status: string | null; message: string | null; cpu_time: number | null; wall_time: number | null; memory: number | null}
interface PistonAnswer {language: string; version: string; compile: PistonStage; run: PistonStage; message?: string}

const client = () => piston({server: server.url});

test.serial('piston-client: runtimes lists c and c++ with the real gcc version', async t => {
	const runtimes = await client().runtimes() as Array<Record<string, unknown>>;
	t.deepEqual(runtimes.map(runtime => runtime['language']), ['c', 'c++']);
	t.regex(String(runtimes[0]!['version']), /^\d+\.\d+\.\d+$/);
});

test.serial('piston-client: execute(language, code) runs C, its default args included', async t => {
	const answer = await client().execute('c', '#include <stdio.h>\nint main(int argc, char **argv) { printf("%d %s\\n", argc, argv[3]); return 0; }\n') as PistonAnswer;
	t.like(answer, {language: 'c', run: {stdout: '4 3\n', stderr: '', output: '4 3\n', code: 0, signal: null, status: null}});
	t.like(answer.compile, {code: 0, status: null});
	t.true(typeof answer.run.wall_time === 'number' && typeof answer.run.memory === 'number');
	await assertHostClean(t, server);
});

test.serial('piston-client: C++ by its alias, with files, stdin, args and limits', async t => {
	const answer = await client().execute({
		language: 'cpp',
		files: [{name: 'main.cpp', content: '#include <iostream>\n#include <string>\nint main(int argc, char **argv) { std::string word; std::cin >> word; std::cout << word << " " << argv[1] << std::endl; }\n'}],
		stdin: 'piston',
		args: ['client'],
		runTimeout: 3000,
		runMemoryLimit: 256 * 1024 * 1024,
	}) as PistonAnswer;
	t.like(answer, {language: 'c++', run: {stdout: 'piston client\n', code: 0}});
	await assertHostClean(t, server);
});

test.serial('piston-client: a compile error is in compile, and run repeats it, as Piston answers', async t => {
	const answer = await client().execute('c', 'int main(void) { return missing; }\n') as PistonAnswer;
	t.like(answer.compile, {code: 1, status: 'RE'});
	t.regex(answer.compile.stderr, /source\.c:1:25: error: 'missing' undeclared/);
	t.deepEqual(answer.run, answer.compile);
	await assertHostClean(t, server);
});

test.serial('piston-client: a crash and a time-out as Piston reports them', async t => {
	const crash = await client().execute('c', example('null-deref.c')) as PistonAnswer;
	t.like(crash.run, {code: null, signal: 'SIGSEGV', status: 'SG', message: 'Caught fatal signal 11'});
	const loop = await client().execute('c', example('infinite-loop.c'), {runTimeout: 3000, runCpuTime: 300}) as unknown as PistonAnswer;
	t.like(loop.run, {code: null, signal: 'SIGKILL', status: 'TO'});
	await assertHostClean(t, server);
});

test.serial('piston-client: an unknown language is Piston\'s 400 with a message', async t => {
	const answer = await client().execute('brainfuck', '+') as PistonAnswer;
	t.regex(answer.message ?? '', /^brainfuck-.+ runtime is unknown/);
});

// --- Judge0 ------------------------------------------------------------------------------------------------------

const hello = '#include <stdio.h>\n\nint main(void) {\n  char name[10];\n  scanf("%s", name);\n  printf("hello, %s\\n", name);\n  return 0;\n}';

async function judge0(method: string, path: string, body?: unknown, url = server.url) {
	const response = await fetch(`${url}${path}`, {method, headers: {'Content-Type': 'application/json'}, ...(body === undefined ? {} : {body: JSON.stringify(body)})});
	return {status: response.status, body: await response.json() as Record<string, any>};
}

async function finished(token: string, query = '', url = server.url) {
	for (;;) {
		const {status, body} = await judge0('GET', `/submissions/${token}${query}`, undefined, url);
		if (status !== 200 || ![1, 2].includes(body['status']?.['id'] ?? body['status_id'])) {
			return {status, body};
		}

		await new Promise(resolve => setTimeout(resolve, 50));
	}
}

const uuid = /^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/;

test.serial('Judge0 docs, "Create a Submission": 201 with a token; "Get a Submission" with fields', async t => {
	const created = await judge0('POST', '/submissions', {source_code: hello, language_id: 4, stdin: 'world'});
	t.is(created.status, 201);
	t.deepEqual(Object.keys(created.body), ['token']);
	t.regex(created.body['token'], uuid);
	const got = await finished(created.body['token'], '?fields=stdout,stderr,status_id,language_id');
	t.is(got.status, 200);
	t.deepEqual(got.body, {stdout: 'hello, world\n', stderr: null, status_id: 3, language_id: 4});
	await assertHostClean(t, server);
});

test.serial('Judge0 docs: the documented 422 answers, field by field', async t => {
	t.deepEqual(await judge0('POST', '/submissions', {source_code: hello}), {status: 422, body: {language_id: ['can\'t be blank']}});
	t.deepEqual(await judge0('POST', '/submissions', {source_code: hello, language_id: 150_000, stdin: 'world', expected_output: 'hello, world'}), {status: 422, body: {language_id: ['language with id 150000 doesn\'t exist']}});
	// The docs' host allows 150 s; this one the longest a CPU limit can give (C_RUNNER_RUN_MAX_CPU_MS x 2 + 1 s).
	const tooLong = await judge0('POST', '/submissions', {
		source_code: hello, language_id: 4, number_of_runs: 1, stdin: 'Judge0', expected_output: 'hello, Judge0', cpu_time_limit: 1, cpu_extra_time: 0.5,
		wall_time_limit: 100_000, memory_limit: 128_000, stack_limit: 128_000, enable_per_process_and_thread_time_limit: false,
		enable_per_process_and_thread_memory_limit: false, max_file_size: 1024,
	});
	t.is(tooLong.status, 422);
	// And its stack: Judge0's host allows 128000 KB; this one its own run stack (C_RUNNER_RUN_STACK_MB), never less than asked.
	t.deepEqual(Object.keys(tooLong.body).sort(), ['stack_limit', 'wall_time_limit']);
	t.regex(tooLong.body['wall_time_limit'][0], /^must be less than or equal to \d+$/);
	t.deepEqual(tooLong.body['stack_limit'], ['must be less than or equal to 8192']);
});

test.serial('Judge0 docs: base64_encoded in and out ("SnVkZ2Uw" is "Judge0")', async t => {
	const created = await judge0('POST', '/submissions?base64_encoded=true', {source_code: Buffer.from(hello).toString('base64'), language_id: 4, stdin: 'SnVkZ2Uw'});
	t.is(created.status, 201);
	const got = await finished(created.body['token'], '?base64_encoded=true');
	t.like(got.body, {stdout: 'aGVsbG8sIEp1ZGdlMAo=\n', stderr: null, compile_output: null, message: null, status: {id: 3, description: 'Accepted'}});
	await assertHostClean(t, server);
});

test.serial('Judge0: base64_encoded answers the bytes the program wrote, FF FE, and compares expected_output with them: invalid-utf8.c', async t => {
	const body = {source_code: Buffer.from(example('invalid-utf8.c')).toString('base64'), language_id: 50};
	// The characters U+FFFD U+FFFD, as the JSON text answer shows FF FE, are other bytes: a wrong answer.
	const expected = Buffer.from('\uFFFD\uFFFD').toString('base64');
	const {status, body: got} = await judge0('POST', '/submissions?base64_encoded=true&wait=true', {...body, expected_output: expected});
	t.is(status, 201);
	t.like(got, {stdout: '//4=\n', stderr: null, status: {id: 4, description: 'Wrong Answer'}});
	t.like((await judge0('GET', `/submissions/${got['token']}?base64_encoded=true`)).body, {stdout: '//4=\n'}, 'kept as bytes for a later GET');
	t.like((await judge0('GET', `/submissions/${got['token']}`)).body, {stdout: '\uFFFD\uFFFD'}, 'as JSON text: their UTF-8 decoding');
	await assertHostClean(t, server);
});

test.serial('Judge0 docs: wait=true answers the default 8 attributes at once', async t => {
	const {status, body} = await judge0('POST', '/submissions?wait=true', {source_code: hello, language_id: '4', stdin: 'Judge0', expected_output: 'hello, Judge0'});
	t.is(status, 201);
	t.deepEqual(Object.keys(body), ['stdout', 'time', 'memory', 'stderr', 'token', 'compile_output', 'message', 'status']);
	t.like(body, {stdout: 'hello, Judge0\n', stderr: null, compile_output: null, message: null, status: {id: 3, description: 'Accepted'}});
	t.regex(body['time'], /^\d+\.\d{3}$/);
	t.true(Number.isInteger(body['memory']) && body['memory'] > 0);
	t.regex(body['token'], uuid);
	t.like((await judge0('GET', `/submissions/${body['token']}`)).body, {stdout: 'hello, Judge0\n'}, 'kept for a later GET too');
	await assertHostClean(t, server);
});

test.serial('Judge0 docs: statuses exactly; languages with their gcc ids', async t => {
	t.deepEqual((await judge0('GET', '/statuses')).body, [
		{id: 1, description: 'In Queue'}, {id: 2, description: 'Processing'}, {id: 3, description: 'Accepted'}, {id: 4, description: 'Wrong Answer'},
		{id: 5, description: 'Time Limit Exceeded'}, {id: 6, description: 'Compilation Error'}, {id: 7, description: 'Runtime Error (SIGSEGV)'},
		{id: 8, description: 'Runtime Error (SIGXFSZ)'}, {id: 9, description: 'Runtime Error (SIGFPE)'}, {id: 10, description: 'Runtime Error (SIGABRT)'},
		{id: 11, description: 'Runtime Error (NZEC)'}, {id: 12, description: 'Runtime Error (Other)'}, {id: 13, description: 'Internal Error'},
		{id: 14, description: 'Exec Format Error'},
	]);
	const languages = (await judge0('GET', '/languages')).body as unknown as Array<{id: number; name: string}>;
	t.deepEqual(languages.map(language => language.id), [48, 49, 50, 52, 53, 54]);
	t.regex(languages.find(language => language.id === 54)!.name, /^C\+\+ \(GCC \d+\.\d+\.\d+\)$/);
	t.like((await judge0('GET', '/languages/54')).body, {id: 54, is_archived: false, source_file: 'source.cpp'});
	t.is((await judge0('GET', '/languages/1')).status, 404);
	// What Judge0's Python SDK reads when a client is made: this server's limits (the test limits, a 4 MiB file size).
	t.like(await judge0('GET', '/config_info'), {status: 200, body: {cpu_time_limit: 1, wall_time_limit: 2, memory_limit: 65_536, max_file_size: 4096, max_processes_and_or_threads: 31, enable_network: false, max_submission_batch_size: 1}});
	t.like((await judge0('GET', '/languages/4')).body, {id: 4, is_archived: true, source_file: 'source.c'}, 'Judge0\'s archived gcc ids are archived');
	// Judge0's /languages/all: active and archived, by name then id (not the /languages/{id} of an id "all").
	const all = (await judge0('GET', '/languages/all')).body as unknown as Array<{id: number; name: string; is_archived: boolean}>;
	t.deepEqual(all.map(language => `${language.id}${language.is_archived ? ' archived' : ''}`), ['4 archived', '5 archived', '6 archived', '7 archived', '8 archived', '9 archived', '48', '49', '50', '10 archived', '11 archived', '12 archived', '13 archived', '52', '53', '54']);
	t.is((await judge0('GET', '/languages/0x32')).status, 404);
	t.is((await judge0('GET', '/languages/50.0')).status, 404);
});

test.serial('Judge0: every verdict, with C and C++', async t => {
	const run = async (body: Record<string, unknown>) => (await judge0('POST', '/submissions?wait=true&fields=*', {language_id: 50, ...body})).body;
	t.like(await run({source_code: hello, stdin: 'x', expected_output: 'hello, y'}), {status: {id: 4, description: 'Wrong Answer'}, stdout: 'hello, x\n'});
	const trailingNuls = '#include <stdio.h>\nint main(void) { fwrite("7\\0 \\n\\0\\n", 1, 6, stdout); return 0; }\n';
	t.like(await run({source_code: trailingNuls, expected_output: '7'}), {status: {id: 3, description: 'Accepted'}, stdout: '7\u0000 \n\u0000\n'}, 'Ruby\'s rstrip drops trailing NULs');
	t.like(await run({source_code: example('infinite-loop.c'), cpu_time_limit: 0.3}), {status: {id: 5}, message: 'Time limit exceeded'});
	const compileError = await run({source_code: 'int main(void) { return missing; }\n'});
	t.like(compileError, {status: {id: 6, description: 'Compilation Error'}, stdout: null, exit_code: null});
	t.regex(compileError['compile_output'], /source\.c:1:25: error/);
	t.like(await run({source_code: example('null-deref.c')}), {status: {id: 7}, exit_signal: 11, exit_code: 0});
	t.like(await run({source_code: example('exit-3.c')}), {status: {id: 11, description: 'Runtime Error (NZEC)'}, exit_code: 3, message: 'Exited with error status 3'});
	t.like(await run({language_id: 54, source_code: example('uncaught-exception.cpp')}), {status: {id: 10, description: 'Runtime Error (SIGABRT)'}, exit_signal: 6, language: {id: 54}});
	t.like(await run({language_id: 54, source_code: example('hello.cpp'), compiler_options: '-std=c++20'}), {status: {id: 3}, stdout: 'Hello from C++! sum=15 std=202002\n'});
	await assertHostClean(t, server);
});

test.serial('Judge0: max_file_size, stack_limit and max_processes_and_or_threads are applied, and the full view says what was', async t => {
	const run = async (body: Record<string, unknown>) => (await judge0('POST', '/submissions?wait=true&fields=*', {language_id: 50, ...body})).body;
	const writes = '#include <stdio.h>\nint main(void) { static char block[1 << 20]; FILE *file = fopen("/tmp/big", "w"); for (int i = 0; i < 3; i++) fwrite(block, 1, sizeof block, file); fclose(file); puts("wrote 3 MiB"); return 0; }\n';
	t.like(await run({source_code: writes, max_file_size: 1024}), {status: {id: 8, description: 'Runtime Error (SIGXFSZ)'}, max_file_size: 1024});
	t.like(await run({source_code: writes}), {status: {id: 3}, stdout: 'wrote 3 MiB\n', max_file_size: 4096});
	// 3 MiB of frames: past a 2 MiB stack, within the server's 8 MiB.
	const deep = '#include <stdio.h>\nint depth(int n) { volatile char frame[1024]; frame[0] = (char) n; return n == 0 ? 0 : depth(n - 1) + frame[0]; }\nint main(void) { printf("%d\\n", depth(3000)); return 0; }\n';
	t.like(await run({source_code: deep, stack_limit: 2048}), {status: {id: 7}, stack_limit: 2048});
	t.like(await run({source_code: deep}), {status: {id: 3}, stack_limit: 8192});
	const forks = '#include <stdio.h>\n#include <unistd.h>\n#include <sys/wait.h>\nint main(void) { int made = 0; for (int i = 0; i < 8; i++) { pid_t pid = fork(); if (pid == 0) { sleep(1); _exit(0); } if (pid > 0) made++; } while (wait(NULL) > 0) {} printf("%d\\n", made); return 0; }\n';
	// isolate's count: the program and its 3 children; the server's own (C_RUNNER_RUN_PROCESSES 32, its helper among them) lets all 8 fork.
	t.like(await run({source_code: forks, max_processes_and_or_threads: 4}), {status: {id: 3}, stdout: '3\n', max_processes_and_or_threads: 4});
	t.like(await run({source_code: forks}), {status: {id: 3}, stdout: '8\n', max_processes_and_or_threads: 31});
	t.deepEqual((await judge0('POST', '/submissions', {source_code: forks, language_id: 50, max_processes_and_or_threads: 32, max_file_size: 4097})).body, {max_processes_and_or_threads: ['must be less than or equal to 31'], max_file_size: ['must be less than or equal to 4096']});
	await assertHostClean(t, server);
});

test.serial('Judge0: what is not offered is refused by name; an unknown token is a 404', async t => {
	t.deepEqual((await judge0('POST', '/submissions', {source_code: hello, language_id: 50, enable_network: true})).body, {enable_network: ['cannot be enabled: c-runner sandboxes have no network']});
	t.deepEqual((await judge0('POST', '/submissions', {source_code: hello, language_id: 50, enable_network: 'true'})).body, {enable_network: ['cannot be enabled: c-runner sandboxes have no network']}, 'a string true too');
	const stderrOnly = '#include <stdio.h>\nint main(void) { fputs("e\\n", stderr); return 0; }\n';
	t.like((await judge0('POST', '/submissions?wait=true&fields=stdout,stderr', {source_code: stderrOnly, language_id: 50, redirect_stderr_to_stdout: 'true'})).body, {stdout: 'e\n', stderr: null}, 'Rails\'s "true" is true');
	t.is((await judge0('GET', '/submissions/00000000-0000-4000-8000-000000000000')).status, 404);
	t.deepEqual(await judge0('GET', '/submissions/batch?tokens=00000000-0000-4000-8000-000000000000'), {status: 400, body: {error: 'batched submissions are not allowed'}}, 'Judge0\'s answer with batches off, not a token "batch" not found');
	t.deepEqual(await judge0('POST', '/submissions/batch', {submissions: [{source_code: hello, language_id: 50}]}), {status: 400, body: {error: 'batched submissions are not allowed'}});
	t.deepEqual((await judge0('POST', '/submissions', {source_code: hello, language_id: 50, command_line_arguments: 'a "b'})).body, {command_line_arguments: ['has an unterminated double quote']});
	const {body} = await judge0('POST', '/submissions', {source_code: hello, language_id: 50, stdin: 'x'});
	t.deepEqual(await judge0('GET', `/submissions/${body['token']}?fields=stdout,nonsense`), {status: 400, body: {error: 'invalid fields: [nonsense]'}}, 'Judge0\'s own refusal of a field name');
	t.deepEqual(await judge0('POST', '/submissions?fields=nonsense', {source_code: hello, language_id: 50}), {status: 400, body: {error: 'invalid fields: [nonsense]'}});
	t.like((await finished(body['token'], '?fields=*,stdout')).body, {stdout: 'hello, x\n', status_id: 3});
	await assertHostClean(t, server);
});

test.serial('Piston: an empty file is compiled, as Piston compiles it, and fails there; a base64 file is decoded and runs', async t => {
	const execute = async (files: unknown[]) => {
		const response = await fetch(`${server.url}/api/v2/execute`, {method: 'POST', body: JSON.stringify({language: 'c', version: '*', files, stdin: 'x'})});
		return {status: response.status, body: await response.json() as {compile?: {code: number | null; stderr: string}; run?: {stdout: string}}};
	};

	for (const content of ['', '   \n']) {
		const {status, body} = await execute([{content}]);
		t.is(status, 200, JSON.stringify(content));
		t.is(body.compile?.code, 1);
		t.regex(body.compile?.stderr ?? '', /undefined reference to .main'/);
	}

	const decoded = await execute([{content: Buffer.from(hello).toString('base64'), encoding: 'base64'}]);
	t.is(decoded.status, 200);
	t.is(decoded.body.run?.stdout, 'hello, x\n');
	await assertHostClean(t, server);
});

test.serial('arguments past /execute_c\'s bounds, or with a NUL, are refused by both APIs before anything runs', async t => {
	const pistonArgs = async (args: string[]) => {
		const response = await fetch(`${server.url}/api/v2/execute`, {method: 'POST', body: JSON.stringify({language: 'c', version: '*', files: [{content: hello}], args})});
		return {status: response.status, body: await response.json()};
	};

	t.deepEqual(await pistonArgs(['x'.repeat(131_072)]), {status: 400, body: {message: 'args is longer than 65536 bytes'}});
	t.deepEqual(await pistonArgs(['a\0b']), {status: 400, body: {message: 'args must not contain NUL bytes'}});
	t.deepEqual(await judge0('POST', '/submissions?wait=true', {source_code: hello, language_id: 50, command_line_arguments: 'abcdefghij '.repeat(100_000)}), {status: 422, body: {command_line_arguments: ['has 100000 arguments; at most 256 are allowed']}});
	t.deepEqual(await judge0('POST', '/submissions?wait=true', {source_code: hello, language_id: 50, command_line_arguments: 'a\0b'}), {status: 422, body: {command_line_arguments: ['must not contain NUL bytes']}});
	await assertHostClean(t, server);
});

test('Judge0: the store is bounded in bytes too: submissions with large sources, never fetched, fill it and then are refused as a full queue', async t => {
	// Answers and outputs of 64 KiB: one not finished counts for 196 KiB more, the most its result can take.
	const small = await startServer({uidBase: 64_130, env: {C_RUNNER_JUDGE0_STORE_BYTES: String(1024 * 1024), C_RUNNER_RESPONSE_BYTES: String(64 * 1024), C_RUNNER_OUTPUT_BYTES: String(64 * 1024)}});
	try {
		// 150 KB of comment each, one at a time: five fit in 1 MiB, the sixth (and room for its result) does not; the
		// count bound, 1000, is far away.
		const source = `/*${'x'.repeat(150_000)}*/\n${hello}`;
		const post = async (query = '') => judge0('POST', `/submissions${query}`, {source_code: source, language_id: 50, stdin: 'x'}, small.url);
		const answers = [];
		for (let index = 0; index < 6; index++) {
			const answer = await post();
			answers.push(answer);
			if (answer.status === 201) {
				await finished(answer.body['token'], '', small.url);
			}
		}

		t.deepEqual(answers.map(answer => answer.status), [201, 201, 201, 201, 201, 503]);
		t.deepEqual(answers[5]!.body, {error: 'queue is full'});
		for (const {body} of answers.slice(0, 5)) {
			t.is((await finished(body['token'], '', small.url)).body['stdout'], 'hello, x\n', 'every kept one is there, with its result');
		}

		t.is((await post()).status, 503, 'still full once they have run: their results are counted too');
		const waited = await post('?wait=true');
		t.is(waited.status, 201);
		t.is(waited.body['stdout'], 'hello, x\n', 'wait=true is run and answered, not kept');
		t.is((await judge0('GET', `/submissions/${waited.body['token']}`, undefined, small.url)).status, 404);
		await assertHostClean(t, small);
	} finally {
		await small.stop();
	}
});
