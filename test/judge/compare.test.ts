import test from 'ava';
import {judge0OutputsMatch, outputsMatch, trimLines} from '../../src/judge/compare.ts';
import type {Comparison} from '../../src/judge/parse-judge.ts';

const trim: Comparison = {mode: 'trim'};
const exact: Comparison = {mode: 'exact'};
const tokens: Comparison = {mode: 'tokens'};
const float = (absolute = 1e-6, relative = 1e-6): Comparison => ({mode: 'float', absolute, relative});
const matches = (actual: string | Buffer, expected: string, comparison: Comparison) =>
	outputsMatch(typeof actual === 'string' ? Buffer.from(actual) : actual, expected, comparison);

test('trim: trailing whitespace on each line and trailing newlines do not count', t => {
	t.true(matches('1 2 \n3\t\r\n\n\n', '1 2\n3', trim));
	t.true(matches('10', '10\n', trim));
	t.is(trimLines(Buffer.from('a  \r\nb \n\n')).toString(), 'a\nb');
	t.is(trimLines(Buffer.from(' \n \n')).toString(), '');
	t.is(trimLines(Buffer.from('')).toString(), '');
});

test('trim: leading whitespace, inner whitespace and blank lines inside still count', t => {
	t.false(matches(' 10', '10', trim));
	t.false(matches('1  2', '1 2', trim));
	t.false(matches('1\n\n2', '1\n2', trim));
	t.false(matches('', '0', trim));
});

test('Judge0\'s comparison: trim\'s, with trailing NULs of a line dropped too (Ruby\'s rstrip); a NUL inside a line still counts', t => {
	t.true(judge0OutputsMatch(Buffer.from('5\0\n7 \0\t\n\0\n'), '5\n7'));
	t.true(judge0OutputsMatch(Buffer.from('5 \n'), '5\0'));
	t.false(judge0OutputsMatch(Buffer.from('5\0 6\n'), '5 6'));
	t.false(judge0OutputsMatch(Buffer.from('\n5'), '5'));
	t.false(matches('5\0\n', '5', trim), 'the judge\'s own trim keeps NUL');
});

test('exact: byte equality, a trailing newline included', t => {
	t.true(matches('10\n', '10\n', exact));
	t.false(matches('10\n', '10', exact));
	t.false(matches('10 \n', '10\n', exact));
});

test('exact compares bytes: FF FE is not U+FFFD U+FFFD, though it decodes to it', t => {
	const bytes = Buffer.from([0xFF, 0xFE]);
	t.is(bytes.toString('utf8'), '\uFFFD\uFFFD');
	t.false(matches(bytes, '\uFFFD\uFFFD', exact));
	t.false(matches(bytes, '\uFFFD\uFFFD', trim));
	t.true(matches(Buffer.from('\uFFFD\uFFFD'), '\uFFFD\uFFFD', exact), 'the real characters match');
	t.true(matches(Buffer.from('é\n'), 'é\n', exact));
});

test('tokens: any run of whitespace separates words, and nothing else counts', t => {
	t.true(matches('1  2\n3\n\n', '1 2 3', tokens));
	t.true(matches('  a\tb\r\n', 'a\nb', tokens));
	t.true(matches('', '\n \n', tokens));
	t.false(matches('1 2', '1 2 3', tokens));
	t.false(matches('12', '1 2', tokens));
	t.false(matches('1.0', '1', tokens));
});

test('float: numbers within the absolute or the relative tolerance; other words exactly', t => {
	t.true(matches('3.1415927', '3.14159265', float()));
	t.false(matches('3.1416', '3.14159265', float()));
	t.true(matches('3.1416', '3.14159265', float(1e-4, 0)));
	t.true(matches('1000001', '1000000', float(0, 1e-6)));
	t.false(matches('1000002', '1000000', float(0, 1e-6)));
	t.true(matches('x = 1e-3 ok', 'x = 0.001 ok', float()));
	t.false(matches('y = 0.001', 'x = 0.001', float()));
	t.false(matches('nan', 'nan1', float()));
	t.true(matches('nan', 'nan', float()), 'the same word');
	t.false(matches('1 2', '1', float()));
	t.true(matches('-0.5\n+2.', '-.5 2', float(0, 0)));
});

test('linear: megabytes of whitespace, on either side, compare in well under a second', t => {
	const spaces = ' '.repeat(4 * 1024 * 1024);
	for (const comparison of [trim, exact, tokens, float()]) {
		const started = performance.now();
		outputsMatch(Buffer.from(`x${spaces}y`), `x${spaces}`, comparison);
		outputsMatch(Buffer.from(spaces), `${spaces}\n${spaces}`, comparison);
		outputsMatch(Buffer.from('1'.repeat(1024 * 1024) + 'x'), '1'.repeat(1024 * 1024) + 'y', comparison);
		const elapsed = performance.now() - started;
		// The quadratic regex took minutes on 1 MiB; this bound is loose on purpose.
		t.true(elapsed < 10_000, `${comparison.mode}: ${Math.round(elapsed)} ms`);
	}
});
