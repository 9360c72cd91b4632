import {badRequest} from '../http/errors.ts';
import {parseCode, parseRequestedLimits, requireObject, type RequestedLimits} from '../job/parse-request.ts';

/** `trim`: trailing whitespace of each line and trailing newlines are ignored. `exact`: byte equality. */
export type CompareMode = 'trim' | 'exact';
export const compareModes: readonly CompareMode[] = ['trim', 'exact'];

export interface TestCase {
	/** The client's own id (Turbo sends 0, 1, 2…); its position when it sent none. */
	readonly id: number | string;
	readonly input: string;
	readonly expected: string;
}

export interface JudgeRequest {
	readonly code: string;
	readonly tests: readonly TestCase[];
	readonly limits: RequestedLimits;
	readonly compare: CompareMode;
}

export interface JudgeRules {
	readonly maxTests: number;
	readonly maxTestBytes: number;
}

const maxIdLength = 128;

function optionalString(test: Record<string, unknown>, name: string, where: string): string | null {
	const value = test[name];
	if (value === undefined || value === null) {
		return null;
	}

	if (typeof value !== 'string') {
		throw badRequest(`${where}.${name} must be a string`);
	}

	return value;
}

function withinSize(text: string, name: string, where: string, maxBytes: number): string {
	const bytes = Buffer.byteLength(text);
	if (bytes > maxBytes) {
		throw badRequest(`${where}.${name} is ${bytes} bytes; at most ${maxBytes} are allowed`);
	}

	return text;
}

function parseId(value: unknown, index: number, where: string): number | string {
	if (value === undefined || value === null) {
		return index;
	}

	if ((typeof value === 'number' && Number.isSafeInteger(value)) || (typeof value === 'string' && value.length > 0 && value.length <= maxIdLength)) {
		return value;
	}

	throw badRequest(`${where}.id must be a whole number or a string of 1 to ${maxIdLength} characters`);
}

function parseTestCase(value: unknown, index: number, rules: JudgeRules): TestCase {
	const where = `testcases[${index}]`;
	if (typeof value !== 'object' || value === null || Array.isArray(value)) {
		throw badRequest(`${where} must be an object`);
	}

	const test = value as Record<string, unknown>;
	const output = optionalString(test, 'output', where);
	const expectedOutput = optionalString(test, 'expected_output', where);
	if (output !== null && expectedOutput !== null && output !== expectedOutput) {
		throw badRequest(`${where} has both 'output' and 'expected_output' and they differ; send one`);
	}

	const expected = output ?? expectedOutput;
	if (expected === null) {
		throw badRequest(`${where} needs the expected output: 'output' or 'expected_output'`);
	}

	return {
		id: parseId(test['id'], index, where),
		input: withinSize(optionalString(test, 'input', where) ?? '', 'input', where, rules.maxTestBytes),
		expected: withinSize(expected, output === null ? 'expected_output' : 'output', where, rules.maxTestBytes),
	};
}

function parseTests(value: unknown, rules: JudgeRules): TestCase[] {
	if (value === undefined || value === null) {
		throw badRequest('Missing required field: \'testcases\'');
	}

	if (!Array.isArray(value)) {
		throw badRequest('Field \'testcases\' must be an array of test cases');
	}

	if (value.length === 0) {
		throw badRequest('Field \'testcases\' must hold at least one test case');
	}

	if (value.length > rules.maxTests) {
		throw badRequest(`Field 'testcases' has ${value.length} test cases; at most ${rules.maxTests} are allowed`);
	}

	const tests = value.map((test, index) => parseTestCase(test, index, rules));
	const seen = new Map<number | string, number>();
	for (const [index, test] of tests.entries()) {
		const first = seen.get(test.id);
		if (first !== undefined) {
			throw badRequest(`testcases[${index}].id repeats the id of testcases[${first}]; ids must be unique`);
		}

		seen.set(test.id, index);
	}

	return tests;
}

function parseCompare(value: unknown): CompareMode {
	if (value === undefined || value === null) {
		return 'trim';
	}

	if (!compareModes.includes(value as CompareMode)) {
		throw badRequest(`Field 'compare' must be one of: ${compareModes.map(mode => `"${mode}"`).join(', ')}`);
	}

	return value as CompareMode;
}

/** Turbo and Dalmeng clients name the language; this server runs C only, so anything else is refused. */
function checkLanguage(value: unknown) {
	if (value !== undefined && value !== null && (typeof value !== 'string' || value.toLowerCase() !== 'c')) {
		throw badRequest('Field \'language\' must be "c": this server compiles C only');
	}
}

/**
 * Validates a decoded /judge_c body, all of it, before anything runs. Test cases come as `{id?, input?, output}`
 * (Turbo) or `{input?, expected_output}` (Dalmeng). Unknown fields (Turbo's `user_id`) are ignored.
 */
export function parseJudgeRequest(body: unknown, rules: JudgeRules): JudgeRequest {
	const object = requireObject(body);
	const code = parseCode(object);
	checkLanguage(object['language']);
	return {
		code,
		tests: parseTests(object['testcases'], rules),
		limits: parseRequestedLimits(object),
		compare: parseCompare(object['compare']),
	};
}
