import type {Comparison} from './parse-judge.ts';

// Every comparison works on bytes, in one pass over each side: no regular expression over a whole output (a
// backtracking regex over trailing whitespace is quadratic, and one megabyte of spaces would stall the server).

const newline = 0x0A;
/** What `trim` drops at the end of a line: space, tab, CR, form feed, vertical tab. */
const isLineSpace = (byte: number) => byte === 0x20 || byte === 0x09 || byte === 0x0D || byte === 0x0C || byte === 0x0B;
const isSpace = (byte: number) => byte === newline || isLineSpace(byte);
/** What Ruby's `rstrip` drops at the end of a line, as Judge0's comparison does: `trim`'s, and NUL. */
const isRubyLineSpace = (byte: number) => byte === 0x00 || isLineSpace(byte);

/**
 * `text` without the whitespace `trim` ignores at its end (space, tab, CR, form feed, vertical tab, newline), and no
 * other: JavaScript's trimEnd also drops U+00A0, U+3000 and the like, which the comparison keeps, so an output shown
 * with it could read exactly as expected and still be a WA.
 */
export function trimEndLikeComparison(text: string): string {
	let end = text.length;
	while (end > 0 && isSpace(text.charCodeAt(end - 1))) {
		end--;
	}

	return text.slice(0, end);
}

/** The bytes `trim` compares: trailing spaces, tabs and CRs of each line dropped, then trailing newlines. */
export function trimLines(bytes: Buffer, isDropped: (byte: number) => boolean = isLineSpace): Buffer {
	const out = Buffer.allocUnsafe(bytes.length);
	let length = 0;
	let lineStart = 0;
	for (let index = 0; index <= bytes.length; index++) {
		if (index < bytes.length && bytes[index] !== newline) {
			continue;
		}

		// Each byte is stepped over backwards at most once: lines do not overlap.
		let end = index;
		while (end > lineStart && isDropped(bytes[end - 1]!)) {
			end--;
		}

		length += bytes.copy(out, length, lineStart, end);
		if (index < bytes.length) {
			out[length++] = newline;
		}

		lineStart = index + 1;
	}

	while (length > 0 && out[length - 1] === newline) {
		length--;
	}

	return out.subarray(0, length);
}

/** The whitespace-separated words of `bytes`, as [start, end) offsets, lazily. */
function * tokens(bytes: Buffer): Generator<readonly [number, number]> {
	let index = 0;
	while (index < bytes.length) {
		while (index < bytes.length && isSpace(bytes[index]!)) {
			index++;
		}

		const start = index;
		while (index < bytes.length && !isSpace(bytes[index]!)) {
			index++;
		}

		if (index > start) {
			yield [start, index];
		}
	}
}

// Anchored and without nested repetition: linear in the token's length.
const decimal = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

function asNumber(token: Buffer): number | null {
	const text = token.toString('latin1');
	if (!decimal.test(text)) {
		return null;
	}

	const value = Number(text);
	return Number.isFinite(value) ? value : null;
}

type TokenMatch = (actual: Buffer, expected: Buffer) => boolean;

const sameBytes: TokenMatch = (actual, expected) => actual.equals(expected);

/** Two numbers within the absolute or the relative tolerance (relative to the expected value); else the same bytes. */
const withinTolerance = (absolute: number, relative: number): TokenMatch => (actual, expected) => {
	if (actual.equals(expected)) {
		return true;
	}

	const got = asNumber(actual);
	const want = asNumber(expected);
	if (got === null || want === null) {
		return false;
	}

	const difference = Math.abs(got - want);
	return difference <= absolute || difference <= relative * Math.abs(want);
};

function tokensMatch(actual: Buffer, expected: Buffer, match: TokenMatch): boolean {
	const left = tokens(actual);
	const right = tokens(expected);
	for (;;) {
		const a = left.next();
		const b = right.next();
		if (a.done || b.done) {
			return a.done === b.done;
		}

		if (!match(actual.subarray(a.value[0], a.value[1]), expected.subarray(b.value[0], b.value[1]))) {
			return false;
		}
	}
}

/**
 * Judge0's comparison (isolate_job.rb: `text.split("\n").collect(&:rstrip).join("\n").rstrip` on both sides):
 * `trim`, except that Ruby's `rstrip` drops trailing NULs too.
 */
export function judge0OutputsMatch(actual: Buffer, expectedText: string): boolean {
	return trimLines(actual, isRubyLineSpace).equals(trimLines(Buffer.from(expectedText, 'utf8'), isRubyLineSpace));
}

/** Whether the bytes a program wrote match the expected output (a JSON string, compared as its UTF-8 bytes). */
export function outputsMatch(actual: Buffer, expectedText: string, comparison: Comparison): boolean {
	const expected = Buffer.from(expectedText, 'utf8');
	switch (comparison.mode) {
		case 'exact': {
			return actual.equals(expected);
		}

		case 'trim': {
			return trimLines(actual).equals(trimLines(expected));
		}

		case 'tokens': {
			return tokensMatch(actual, expected, sameBytes);
		}

		case 'float': {
			return tokensMatch(actual, expected, withinTolerance(comparison.absolute, comparison.relative));
		}
	}
}
