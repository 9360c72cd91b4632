import test from 'ava';
import {jsonShapeLimits, jsonShapeProblem, parseJson} from '../../src/http/json-body.ts';

const nested = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
const object = (fields: number, name = (index: number) => `k${index}`) => `{${Array.from({length: fields}, (_unused, index) => `"${name(index)}":0`).join(',')}}`;

test('every shape of the API passes, whatever its size in strings', t => {
	t.is(jsonShapeProblem(JSON.stringify({code: 'x'.repeat(100_000), args: ['a', 'b'], stdin: '\0'.repeat(1000), time_limit_ms: 1})), null);
	const judge = {code: 'x', testcases: Array.from({length: 10_000}, (_unused, index) => ({id: `t${index}`, input: 'a', expected_output: 'a', time_limit_ms: 1}))};
	t.is(jsonShapeProblem(JSON.stringify(judge)), null);
	t.is(jsonShapeProblem(nested(jsonShapeLimits.depth)), null);
	t.is(jsonShapeProblem(object(jsonShapeLimits.fields)), null);
});

test('past each limit: its own reason', t => {
	t.is(jsonShapeProblem(`{"code":"x","a":${nested(jsonShapeLimits.depth)}}`), `is nested more than ${jsonShapeLimits.depth} levels deep`);
	t.is(jsonShapeProblem(`[${Array.from({length: jsonShapeLimits.containers + 1}, () => '[]').join(',')}]`), `has more than ${jsonShapeLimits.containers} arrays and objects`);
	t.is(jsonShapeProblem(object(jsonShapeLimits.fields + 1, () => 'k')), `has an object with more than ${jsonShapeLimits.fields} fields`);
	t.is(jsonShapeProblem(`[${Array.from({length: jsonShapeLimits.names + 1}, (_unused, index) => `{"k${index}":0}`).join(',')}]`), `has more than ${jsonShapeLimits.names} distinct field names`);
});

test('brackets, commas and quotes inside strings are text, escaped quotes included', t => {
	t.is(jsonShapeProblem(JSON.stringify({code: '['.repeat(1000) + '{'.repeat(1000)})), null);
	t.is(jsonShapeProblem(JSON.stringify({code: '"[\\"'.repeat(1000)})), null);
	// A string that ends in a backslash: its closing quote is the one after the escaped backslash.
	t.is(jsonShapeProblem(`["\\\\",${nested(jsonShapeLimits.depth)}]`), `is nested more than ${jsonShapeLimits.depth} levels deep`);
	// Values are not field names: strings in arrays, and after a colon, count for nothing.
	t.is(jsonShapeProblem(JSON.stringify({a: Array.from({length: 5000}, (_unused, index) => `v${index}`), b: 'x,"y":1'})), null);
});

test('a body that is not JSON is left for JSON.parse to refuse', t => {
	t.is(jsonShapeProblem('{"code": "never closed'), null);
	t.is(jsonShapeProblem(']]]}}}'), null);
	t.is(jsonShapeProblem(''), null);
});

test('a __proto__ field is dropped at every depth, spelt with escapes or not, and no prototype is set', t => {
	const value = parseJson('{"__proto__":{"a":1},"b":[{"\\u005f_proto__":1,"c":2}],"d":{"e":{"__proto__":null}}}') as Record<string, unknown>;
	t.deepEqual(value, {b: [{c: 2}], d: {e: {}}});
	t.is(Object.getPrototypeOf(value), Object.prototype);
	t.false(Object.hasOwn(value, '__proto__'));
});

test('an escape costs the parse no more than the body without it: no call per value', t => {
	// A body of the API's limit made of a million numbers, with and without one `\u` escape. A reviver on JSON.parse
	// (a call per value) made the first 15-20 times slower; a ratio, not a bound in ms, as the machine's load varies.
	const numbers = Array.from({length: 1_000_000}, () => '0').join(',');
	const time = (text: string) => {
		let best = Number.POSITIVE_INFINITY;
		for (let round = 0; round < 3; round++) {
			const start = performance.now();
			parseJson(text);
			best = Math.min(best, performance.now() - start);
		}

		return best;
	};

	const plain = time(`{"x":[${numbers}],"stdin":"A"}`);
	const escaped = time(`{"x":[${numbers}],"stdin":"\\u0041"}`);
	t.true(escaped < (plain * 5) + 50, `${escaped.toFixed(0)} ms with an escape, ${plain.toFixed(0)} ms without`);
});
