import test from 'ava';
import {splitArgs} from '../../src/job/split-args.ts';
import {RequestError} from '../../src/job/errors.ts';

const splits = test.macro((t, line: string, expected: string[]) => {
	t.deepEqual(splitArgs(line), expected);
});

test('plain words', splits, 'hello world 123', ['hello', 'world', '123']);
test('runs of whitespace, tabs and newlines separate', splits, '  a \t b\n c  ', ['a', 'b', 'c']);
test('empty line has no words', splits, '   ', []);
test('single quotes keep everything literally', splits, String.raw`'a b' 'x\y' '$HOME'`, ['a b', String.raw`x\y`, '$HOME']);
test('double quotes keep spaces and honour \\" \\\\ \\$', splits, String.raw`"a b" "say \"hi\"" "c\\d" "\$x" "\n"`, ['a b', 'say "hi"', String.raw`c\d`, '$x', String.raw`\n`]);
test('a backslash quotes the next character', splits, String.raw`a\ b c\"d \'`, ['a b', 'c"d', '\'']);
test('backslash-newline continues a word', splits, 'ab\\\ncd', ['abcd']);
test('a backslash-newline between words is no word', splits, 'a \\\n b', ['a', 'b']);
test('a backslash-newline alone is no word', splits, '\\\n', []);
test('a backslash-newline starts no word before a quote or at the end', splits, '\\\n"x" y \\\n', ['x', 'y']);
test('empty quotes make an empty word', splits, `'' "" x`, ['', '', 'x']);
test('adjacent quoted parts join into one word', splits, `a'b c'"d"e`, ['ab cde']);
test('no expansion of globs, variables or commands', splits, '* $HOME `id` $(id) ~ ;|&', ['*', '$HOME', '`id`', '$(id)', '~', ';|&']);
test('UTF-8 passes through', splits, 'héllo 世界', ['héllo', '世界']);

const rejects = test.macro((t, line: string, message: RegExp) => {
	const error = t.throws(() => splitArgs(line), {instanceOf: RequestError});
	t.regex(error?.message ?? '', message);
});

test('unterminated single quote', rejects, `a 'b`, /unterminated single quote/);
test('unterminated double quote', rejects, `a "b\\"`, /unterminated double quote/);
test('trailing lone backslash', rejects, 'a \\', /lone backslash/);
