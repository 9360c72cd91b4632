import test from 'ava';
import {programFromCode} from '../../src/job/language.ts';
import {RequestError} from '../../src/job/errors.ts';
import {parseJudgeRequest} from '../../src/judge/parse-judge.ts';

const rules = {maxTests: 3, maxTestBytes: 8};
const code = 'int main(void) { return 0; }';
const parse = (body: unknown) => parseJudgeRequest(body, rules);

function rejects(t: import('ava').ExecutionContext, body: unknown, message: string) {
	const error = t.throws(() => parse(body), {instanceOf: RequestError});
	t.is(error?.message, message);
}

test('Turbo\'s request: {id, input, output}, user_id and language "c" accepted', t => {
	t.deepEqual(parse({user_id: 'student_123', language: 'c', code, testcases: [{id: 0, input: '5\n', output: '10'}, {id: 1, input: '7\n', output: '14'}]}), {
		program: programFromCode(code),
		tests: [{id: 0, input: '5\n', expected: '10'}, {id: 1, input: '7\n', expected: '14'}],
		limits: {timeLimitMs: null, memoryLimitMb: null},
		compare: {mode: 'trim'},
		checker: null,
		stopOnFirstFailure: false,
		ignoredFields: ['user_id'],
	});
});

test('unknown top-level fields are ignored and named; the ones read are not', t => {
	t.deepEqual(parse({code, testcases: [{output: ''}], user_id: 'x', priority: 1, language: 'C', compare: 'tokens', compiler: 'tcc', std: 'c11', optimize: 2}).ignoredFields, ['user_id', 'priority']);
});

test('comparison modes, tolerances, a checker, stop_on_first_failure', t => {
	t.deepEqual(parse({code, testcases: [{output: ''}], compare: 'tokens'}).compare, {mode: 'tokens'});
	t.deepEqual(parse({code, testcases: [{output: ''}], compare: 'float'}).compare, {mode: 'float', absolute: 1e-6, relative: 1e-6});
	t.deepEqual(parse({code, testcases: [{output: ''}], compare: 'float', absolute_tolerance: 0.01, relative_tolerance: 0}).compare, {mode: 'float', absolute: 0.01, relative: 0});
	t.like(parse({code, testcases: [{output: ''}], checker: 'int main(void) { return 0; }', stop_on_first_failure: true}), {checker: 'int main(void) { return 0; }', stopOnFirstFailure: true, compare: {mode: 'trim'}});
});

test('/submit needs Turbo\'s language; /judge_c does not', t => {
	t.notThrows(() => parseJudgeRequest({code, language: 'c', testcases: [{output: ''}]}, rules, {requireLanguage: true}));
	const error = t.throws(() => parseJudgeRequest({code, testcases: [{output: ''}]}, rules, {requireLanguage: true}), {instanceOf: RequestError});
	t.is(error?.message, 'Field \'language\' must be one of: "c", "cpp" (got none)');
	t.notThrows(() => parse({code, testcases: [{output: ''}]}));
});

test('Dalmeng\'s name expected_output; ids default to positions; input defaults to empty', t => {
	t.deepEqual(parse({code, testcases: [{expected_output: 'a'}, {input: 'x', expected_output: 'b'}]}).tests, [
		{id: 0, input: '', expected: 'a'},
		{id: 1, input: 'x', expected: 'b'},
	]);
});

test('a string id of 128 characters is taken, counted as code points (emoji are one each); 129 is refused', t => {
	t.is(parse({code, testcases: [{id: '\u{1F600}'.repeat(128), output: ''}]}).tests[0]?.id, '\u{1F600}'.repeat(128));
	t.is(parse({code, testcases: [{id: 'a'.repeat(128), output: ''}]}).tests[0]?.id, 'a'.repeat(128));
	t.throws(() => parse({code, testcases: [{id: '\u{1F600}'.repeat(129), output: ''}]}), {message: 'testcases[0].id must be a whole number or a string of 1 to 128 characters'});
});

test('limits and the comparison mode are read', t => {
	t.like(parse({code, testcases: [{output: ''}], time_limit_ms: 300, memory_limit_mb: 32, compare: 'exact'}), {
		limits: {timeLimitMs: 300, memoryLimitMb: 32},
		compare: {mode: 'exact'},
	});
});

test('output and expected_output may both be sent when they agree', t => {
	t.is(parse({code, testcases: [{output: 'a', expected_output: 'a'}]}).tests[0]?.expected, 'a');
});

const bad: Array<[string, unknown, string]> = [
	['no test cases', {code}, 'Missing required field: \'testcases\''],
	['not an array', {code, testcases: {}}, 'Field \'testcases\' must be an array of test cases'],
	['an empty array', {code, testcases: []}, 'Field \'testcases\' must hold at least one test case'],
	['too many', {code, testcases: [{output: ''}, {output: ''}, {output: ''}, {output: ''}]}, 'Field \'testcases\' has 4 test cases; at most 3 are allowed'],
	['a test case that is not an object', {code, testcases: ['5']}, 'testcases[0] must be an object'],
	['no expected output', {code, testcases: [{input: '1'}]}, 'testcases[0] needs the expected output: \'output\' or \'expected_output\''],
	['an input that is not a string', {code, testcases: [{input: 5, output: '10'}]}, 'testcases[0].input must be a string'],
	['an output that is not a string', {code, testcases: [{output: 10}]}, 'testcases[0].output must be a string'],
	['an input over the size cap', {code, testcases: [{output: '', input: '123456789'}]}, 'testcases[0].input is 9 bytes; at most 8 are allowed'],
	['an expected output over the size cap', {code, testcases: [{expected_output: 'ééééé'}]}, 'testcases[0].expected_output is 10 bytes; at most 8 are allowed'],
	['both names, different', {code, testcases: [{output: 'a', expected_output: 'b'}]}, 'testcases[0] has both \'output\' and \'expected_output\' and they differ; send one'],
	['an odd id', {code, testcases: [{id: 1.5, output: ''}]}, 'testcases[0].id must be a whole number or a string of 1 to 128 characters'],
	['a repeated id', {code, testcases: [{id: 'a', output: ''}, {id: 'a', output: ''}]}, 'testcases[1].id repeats the id of testcases[0]; ids must be unique'],
	['an unknown comparison', {code, testcases: [{output: ''}], compare: 'fuzzy'}, 'Field \'compare\' must be one of: "trim", "exact", "tokens", "float"'],
	['another language', {code, language: 'python', testcases: [{output: ''}]}, 'Field \'language\' must be one of: "c", "cpp" (got "python")'],
	['Dalmeng\'s standard_input', {code, testcases: [{standard_input: 'world', expected_output: 'x'}]}, 'testcases[0] has an unknown field \'standard_input\'; a test case\'s fields are: id, input, output, expected_output'],
	['stdin in a test case', {code, testcases: [{output: 'x'}, {stdin: '1', output: 'x'}]}, 'testcases[1] has an unknown field \'stdin\'; a test case\'s fields are: id, input, output, expected_output'],
	['expected in a test case', {code, testcases: [{input: '1', expected: 'x'}]}, 'testcases[0] has an unknown field \'expected\'; a test case\'s fields are: id, input, output, expected_output'],
	['a tolerance without float', {code, testcases: [{output: ''}], absolute_tolerance: 0.1}, 'Field \'absolute_tolerance\' applies only with "compare": "float"'],
	['a negative tolerance', {code, testcases: [{output: ''}], compare: 'float', relative_tolerance: -1}, 'Field \'relative_tolerance\' must be a number of at least 0'],
	['a checker and a comparison', {code, testcases: [{output: ''}], compare: 'exact', checker: code}, 'Send either \'checker\' or \'compare\': a checker program decides the comparison itself'],
	['an empty checker', {code, testcases: [{output: ''}], checker: ' '}, 'Field \'checker\' must not be empty'],
	['stop_on_first_failure not a boolean', {code, testcases: [{output: ''}], stop_on_first_failure: 'yes'}, 'Field \'stop_on_first_failure\' must be true or false'],
	['a bad time limit', {code, testcases: [{output: ''}], time_limit_ms: 0}, 'Field \'time_limit_ms\' must be a whole number of at least 1'],
	['no code', {testcases: [{output: ''}]}, 'Missing required field: \'code\''],
	['not an object', [], 'Request body must be a JSON object'],
];

for (const [name, body, message] of bad) {
	test(`400: ${name}`, t => {
		rejects(t, body, message);
	});
}
