// Every example of the wire contract (004 reference), through the real server, gcc and bwrap, in the default
// job root /tmp, with the response the reference documents.
import fs from 'node:fs';
import test, {type ExecutionContext} from 'ava';
import {assertHostClean, execute, startServer, type RunningServer} from '../helpers/server.ts';

let server: RunningServer;
const tmpMode = fs.statSync('/tmp').mode;
test.before(async () => {
	server = await startServer({uidBase: 62_000, jobRoot: '/tmp'});
});
test.after.always(async () => {
	await server?.stop();
});
test.after('the shared job root keeps its mode: neither the server nor the harness changes /tmp', t => {
	t.is((fs.statSync('/tmp').mode & 0o7777).toString(8), (tmpMode & 0o7777).toString(8));
});

const contract = test.macro({
	async exec(t, body: Record<string, unknown>, expected: {output: string | RegExp; exit_code: number; error: string | RegExp}, compiler?: 'tcc') {
		await checkContract(t, compiler === undefined ? body : {...body, compiler}, expected);
	},
	title: (title = '', _body, _expected, compiler?: 'tcc') => compiler === undefined ? title : `${title} (tcc)`,
});

async function checkContract(t: ExecutionContext, body: Record<string, unknown>, expected: {output: string | RegExp; exit_code: number; error: string | RegExp}) {
	const {status, body: result} = await execute(server, body);
	t.is(status, 200);
	if (typeof expected.output === 'string') {
		t.is(result['output'], expected.output);
	} else {
		t.regex(result['output'], expected.output);
	}

	if (typeof expected.error === 'string') {
		t.is(result['error'], expected.error);
	} else {
		t.regex(result['error'], expected.error);
	}

	t.is(result['exit_code'], expected.exit_code);
	await assertHostClean(t, server);
}

// Every example under gcc (the default) and again under tcc.
for (const compiler of [undefined, 'tcc'] as const) {
	test.serial('hello', contract, {code: '#include <stdio.h>\nint main() { printf("Hello from C!"); return 0; }'}, {output: 'Hello from C!', exit_code: 0, error: ''}, compiler);

	test.serial('command-line arguments; argv[0] is the program inside its job directory', contract, {
		code: '#include <stdio.h>\nint main(int argc, char *argv[]) { printf("Args: %d\\n", argc); for(int i=0; i<argc; i++) printf("%s\\n", argv[i]); return 0; }',
		args: 'hello world 123',
	}, {output: /^Args: 4\n\/tmp\/c_exec_[\da-f]{8}-[\da-f]{4}-4[\da-f]{3}-[89ab][\da-f]{3}-[\da-f]{12}\/source\nhello\nworld\n123\n$/, exit_code: 0, error: ''}, compiler);

	test.serial('single-file I/O in the working directory', contract, {
		code: '#include <stdio.h>\n#include <string.h>\nint main() {\n    // 파일 쓰기\n    FILE *fp = fopen("test.txt", "w");\n    if (fp) {\n        fprintf(fp, "Hello, File I/O!\\n");\n        fprintf(fp, "Line 2\\n");\n        fclose(fp);\n    }\n    \n    // 파일 읽기\n    fp = fopen("test.txt", "r");\n    if (fp) {\n        char buffer[100];\n        printf("File contents:\\n");\n        while (fgets(buffer, sizeof(buffer), fp)) {\n            printf("%s", buffer);\n        }\n        fclose(fp);\n    }\n    return 0;\n}',
	}, {output: 'File contents:\nHello, File I/O!\nLine 2\n', exit_code: 0, error: ''}, compiler);

	test.serial('multi-file I/O', contract, {
		code: '#include <stdio.h>\n#include <stdlib.h>\nint main() {\n    // 여러 파일 생성\n    for (int i = 1; i <= 3; i++) {\n        char filename[20];\n        sprintf(filename, "file%d.txt", i);\n        FILE *fp = fopen(filename, "w");\n        if (fp) {\n            fprintf(fp, "This is file number %d\\n", i);\n            fclose(fp);\n            printf("Created %s\\n", filename);\n        }\n    }\n    \n    // 파일들 읽어서 출력\n    printf("\\nReading files:\\n");\n    for (int i = 1; i <= 3; i++) {\n        char filename[20];\n        sprintf(filename, "file%d.txt", i);\n        FILE *fp = fopen(filename, "r");\n        if (fp) {\n            char buffer[100];\n            while (fgets(buffer, sizeof(buffer), fp)) {\n                printf("%s: %s", filename, buffer);\n            }\n            fclose(fp);\n        }\n    }\n    return 0;\n}',
	}, {output: 'Created file1.txt\nCreated file2.txt\nCreated file3.txt\n\nReading files:\nfile1.txt: This is file number 1\nfile2.txt: This is file number 2\nfile3.txt: This is file number 3\n', exit_code: 0, error: ''}, compiler);

	test.serial('NULL dereference is exit code -11', contract, {code: '#include <stdio.h>\nint main() { int *p = NULL; *p = 5; return 0; }'}, {output: '', exit_code: -11, error: ''}, compiler);
}

test.serial('compile error: gcc\'s own diagnostics with file and line, plain ASCII, exit code 1', async t => {
	const {status, body} = await execute(server, {code: '#include <stdio.h>\nint main() { printf("Hello" return 0; }'});
	t.is(status, 200);
	t.like(body, {output: '', exit_code: 1, status: 'compile_error'});
	t.regex(body['error'], /^source\.c:2:\d+: error: expected '\)' before 'return'/m);
	t.regex(body['error'], /^[\x09\x0a\x20-\x7e]*$/, 'plain ASCII: no colour codes, no typographic quotes');
	await assertHostClean(t, server);
});


test.serial('tcc: a compile error is tcc\'s own diagnostic with file and line, exit code 1', async t => {
	const {status, body} = await execute(server, {code: '#include <stdio.h>\nint main() { printf("Hello" return 0; }', compiler: 'tcc'});
	t.is(status, 200);
	t.like(body, {output: '', exit_code: 1, status: 'compile_error'});
	t.regex(body['error'], /^source\.c:2: error: ',' expected \(got "return"\)/m);
	await assertHostClean(t, server);
});

test.serial('tcc compiles C only: a 400 for C++', async t => {
	const {status, body} = await execute(server, {code: 'int main() {}', language: 'cpp', compiler: 'tcc'});
	t.is(status, 400);
	t.deepEqual(body, {error: 'Field \'compiler\' "tcc" does not compile cpp; for cpp: "gcc"'});
});

test.serial('invalid request: 400 with the contract\'s message', async t => {
	const {status, body} = await execute(server, {invalid: 'request'});
	t.is(status, 400);
	t.deepEqual(body, {error: 'Missing required field: \'code\''});
});
