import test from 'ava';
import {maxArgs, maxFiles, parseExecuteRequest} from '../../src/job/parse-request.ts';
import {RequestError} from '../../src/job/errors.ts';
import {compileArgv, programFromCode} from '../../src/job/language.ts';

const code = 'int main(void) { return 0; }';

test('minimal request: no args, no stdin', t => {
	t.deepEqual(parseExecuteRequest({code}), {program: programFromCode(code), args: [], stdin: null, limits: {timeLimitMs: null, memoryLimitMb: null}});
});

test('C by default: gnu17, -O2, source.c', t => {
	const {program} = parseExecuteRequest({code});
	t.deepEqual(program, {options: {language: 'c', std: 'gnu17', optimize: '2', compiler: 'gcc'}, files: [{name: 'source.c', content: code}]});
	t.deepEqual(compileArgv(program, 'source', 'gold'), ['/usr/bin/gcc', '-std=gnu17', '-O2', '-Wall', '-fdiagnostics-color=never', '-fdiagnostics-urls=never', '-pipe', '-fuse-ld=gold', '-o', 'source', 'source.c', '-lm']);
});

test('C++: g++, gnu++17 by default, source.cpp; std and optimize chosen', t => {
	const {program} = parseExecuteRequest({code, language: 'cpp', std: 'c++20', optimize: 's'});
	t.deepEqual(compileArgv(program, 'source', 'gold'), ['/usr/bin/g++', '-std=c++20', '-Os', '-Wall', '-fdiagnostics-color=never', '-fdiagnostics-urls=never', '-pipe', '-fuse-ld=gold', '-o', 'source', 'source.cpp', '-lm']);
	t.is(parseExecuteRequest({code, language: 'cpp'}).program.options.std, 'gnu++17');
	t.is(parseExecuteRequest({code, optimize: 0}).program.options.optimize, '0', 'a number is taken too');
	t.is(compileArgv(parseExecuteRequest({code, std: 'c23'}).program, 'x', 'gold')[1], '-std=c2x', 'gcc 12 knows C23 as c2x');
});

test('files: every source of the language compiled, in order; headers only present', t => {
	const {program} = parseExecuteRequest({files: [{name: 'main.c', content: code}, {name: 'util.h', content: '#pragma once'}, {name: 'util.c', content: 'int f(void) { return 1; }'}]});
	t.deepEqual(compileArgv(program, 'source', 'gold').slice(-4), ['source', 'main.c', 'util.c', '-lm']);
	t.is(program.files.length, 3);
});

test('language in any case', t => {
	t.is(parseExecuteRequest({code, language: 'C'}).program.options.language, 'c');
	t.is(parseExecuteRequest({code, language: 'CPP'}).program.options.language, 'cpp');
});

test('args as a string are split like a shell', t => {
	t.deepEqual(parseExecuteRequest({code, args: 'hello world 123'}).args, ['hello', 'world', '123']);
	t.deepEqual(parseExecuteRequest({code, args: `"two words" 'and more'`}).args, ['two words', 'and more']);
});

test('args as an array are taken as they are', t => {
	t.deepEqual(parseExecuteRequest({code, args: ['a b', '', '$x']}).args, ['a b', '', '$x']);
});

test('null args and stdin mean none', t => {
	t.deepEqual(parseExecuteRequest({code, args: null, stdin: null}), {program: programFromCode(code), args: [], stdin: null, limits: {timeLimitMs: null, memoryLimitMb: null}});
});

test('stdin may carry any text, NUL included', t => {
	t.is(parseExecuteRequest({code, stdin: 'a\0b\n'}).stdin, 'a\0b\n');
});

test('unknown fields are ignored', t => {
	t.deepEqual(parseExecuteRequest({code, language: 'c', extra: {}}), {program: programFromCode(code), args: [], stdin: null, limits: {timeLimitMs: null, memoryLimitMb: null}});
});

const rejects = test.macro({
	exec(t, body: unknown, message: string) {
		const error = t.throws(() => parseExecuteRequest(body), {instanceOf: RequestError});
		t.is(error?.message, message);
	},
	title: (given, _body, message: string) => `rejects ${given ?? ''}: ${message}`,
});

test('the contract\'s missing code', rejects, {invalid: 'request'}, 'Missing required field: \'code\'');
test('null body', rejects, null, 'Request body must be a JSON object');
test('array body', rejects, [{code}], 'Request body must be a JSON object');
test('string body', rejects, 'int main(){}', 'Request body must be a JSON object');
test('another language', rejects, {code, language: 'python'}, 'Field \'language\' must be one of: "c", "cpp" (got "python")');
test('a standard of the other language', rejects, {code, std: 'c++17'}, 'Field \'std\' must be one of, for c: "c89", "c90", "c99", "c11", "c17", "c18", "gnu89", "gnu90", "gnu99", "gnu11", "gnu17", "gnu18", "c2x", "c23", "gnu2x", "gnu23"');
test('an optimisation level out of the list', rejects, {code, optimize: 'fast'}, 'Field \'optimize\' must be one of: "0", "1", "2", "3", "s"');
test('code and files', rejects, {code, files: [{name: 'a.c', content: code}]}, 'Send either \'code\' or \'files\', not both');
test('empty files', rejects, {files: []}, 'Field \'files\' must be a non-empty array of {name, content}');
test('too many files', rejects, {files: Array.from({length: maxFiles + 1}, (_unused, index) => ({name: `f${index}.c`, content: code}))}, `Field 'files' has ${maxFiles + 1} files; at most ${maxFiles} are allowed`);
for (const name of ['../x.c', 'dir/x.c', '.hidden.c', '-o.c', '', 'x'.repeat(101)]) {
	test(`a file name that is not a plain name: ${JSON.stringify(name.slice(0, 20))}`, rejects, {files: [{name, content: code}]}, 'files[0].name must be a plain file name of at most 100 characters: letters, digits, \'_\', \'.\', \'+\', \'-\', not starting with \'.\' or \'-\' (no directories)');
}

test('a reserved file name', rejects, {files: [{name: 'a.c', content: code}, {name: 'source', content: ''}]}, 'files[1].name "source" is reserved (the compiled program, its stdin)');
test('a repeated file name', rejects, {files: [{name: 'a.c', content: code}, {name: 'a.c', content: ''}]}, 'files[1].name "a.c" repeats an earlier file\'s name');
test('NUL in a file', rejects, {files: [{name: 'a.c', content: 'x\0'}]}, 'files[0].content must be a string without NUL bytes');
test('no source of the language among the files', rejects, {files: [{name: 'a.h', content: code}]}, 'Field \'files\' has no c source to compile (a name matching /\\.c$/)');
test('number code', rejects, {code: 42}, 'Field \'code\' must be a string');
test('null code', rejects, {code: null}, 'Field \'code\' must be a string');
test('empty code', rejects, {code: ''}, 'Field \'code\' must not be empty');
test('blank code', rejects, {code: ' \n\t'}, 'Field \'code\' must not be empty');
test('NUL in code', rejects, {code: 'int main(){}\0'}, 'Field \'code\' must not contain NUL bytes');
test('number args', rejects, {code, args: 5}, 'Field \'args\' must be a string or an array of strings');
test('object args', rejects, {code, args: {a: 1}}, 'Field \'args\' must be a string or an array of strings');
test('mixed array args', rejects, {code, args: ['a', 1]}, 'Field \'args\' must be a string or an array of strings');
test('NUL in string args', rejects, {code, args: 'a\0b'}, 'Field \'args\' must not contain NUL bytes');
test('NUL in array args', rejects, {code, args: ['a\0b']}, 'Field \'args\' must not contain NUL bytes');
test('unterminated quote in args', rejects, {code, args: '"open'}, 'Field \'args\' has an unterminated double quote');
test('too many args', rejects, {code, args: Array.from({length: maxArgs + 1}, () => 'x')}, `Field 'args' has ${maxArgs + 1} arguments; at most ${maxArgs} are allowed`);
test('args too long', rejects, {code, args: ['x'.repeat(70_000)]}, 'Field \'args\' is longer than 65536 bytes');
test('number stdin', rejects, {code, stdin: 1}, 'Field \'stdin\' must be a string');
test('array stdin', rejects, {code, stdin: ['a']}, 'Field \'stdin\' must be a string');

test('per-request limits are read as whole numbers', t => {
	t.deepEqual(parseExecuteRequest({code, time_limit_ms: 1500, memory_limit_mb: 32}).limits, {timeLimitMs: 1500, memoryLimitMb: 32});
});

for (const [name, value] of [['time_limit_ms', 0], ['time_limit_ms', 1.5], ['time_limit_ms', '1000'], ['memory_limit_mb', -1], ['memory_limit_mb', true]] as const) {
	test(`${name}: ${JSON.stringify(value)} is refused`, t => {
		t.throws(() => parseExecuteRequest({code, [name]: value}), {message: `Field '${name}' must be a whole number of at least 1`});
	});
}
