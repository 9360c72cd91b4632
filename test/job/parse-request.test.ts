import test from 'ava';
import {maxArgs, parseExecuteRequest} from '../../src/job/parse-request.ts';
import {AppError} from '../../src/http/errors.ts';

const code = 'int main(void) { return 0; }';

test('minimal request: no args, no stdin', t => {
	t.deepEqual(parseExecuteRequest({code}), {code, args: [], stdin: null, limits: {timeLimitMs: null, memoryLimitMb: null}});
});

test('args as a string are split like a shell', t => {
	t.deepEqual(parseExecuteRequest({code, args: 'hello world 123'}).args, ['hello', 'world', '123']);
	t.deepEqual(parseExecuteRequest({code, args: `"two words" 'and more'`}).args, ['two words', 'and more']);
});

test('args as an array are taken as they are', t => {
	t.deepEqual(parseExecuteRequest({code, args: ['a b', '', '$x']}).args, ['a b', '', '$x']);
});

test('null args and stdin mean none', t => {
	t.deepEqual(parseExecuteRequest({code, args: null, stdin: null}), {code, args: [], stdin: null, limits: {timeLimitMs: null, memoryLimitMb: null}});
});

test('stdin may carry any text, NUL included', t => {
	t.is(parseExecuteRequest({code, stdin: 'a\0b\n'}).stdin, 'a\0b\n');
});

test('unknown fields are ignored', t => {
	t.deepEqual(parseExecuteRequest({code, language: 'c', extra: {}}), {code, args: [], stdin: null, limits: {timeLimitMs: null, memoryLimitMb: null}});
});

const rejects = test.macro({
	exec(t, body: unknown, message: string) {
		const error = t.throws(() => parseExecuteRequest(body), {instanceOf: AppError});
		t.is(error?.status, 400);
		t.is(error?.message, message);
	},
	title: (given, _body, message: string) => `rejects ${given ?? ''}: ${message}`,
});

test('the contract\'s missing code', rejects, {invalid: 'request'}, 'Missing required field: \'code\'');
test('null body', rejects, null, 'Request body must be a JSON object');
test('array body', rejects, [{code}], 'Request body must be a JSON object');
test('string body', rejects, 'int main(){}', 'Request body must be a JSON object');
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
