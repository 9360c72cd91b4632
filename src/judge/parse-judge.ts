import {badRequest} from '../job/errors.ts';
import {isPlainObject, parseCode, parseProgram, parseRequestedLimits, programFields, requireObject, type RequestedLimits} from '../job/parse-request.ts';
import type {Program} from '../job/language.ts';

/**
 * How a program's output is compared with the expected output (src/judge/compare.ts):
 * `trim` (default): trailing spaces, tabs and CRs of each line and trailing newlines do not count;
 * `exact`: the bytes the program wrote against the UTF-8 bytes of the expected output;
 * `tokens`: the same words in the same order, split at any run of whitespace (as Dalmeng and most judges compare);
 * `float`: tokens, where two numbers match within an absolute or a relative tolerance.
 */
export type CompareMode = 'trim' | 'exact' | 'tokens' | 'float';
export const compareModes: readonly CompareMode[] = ['trim', 'exact', 'tokens', 'float'];

export type Comparison =
	| {readonly mode: Exclude<CompareMode, 'float'>}
	| {readonly mode: 'float'; readonly absolute: number; readonly relative: number};

export const defaultTolerance = 1e-6;

export interface TestCase {
	/** The client's own id (Turbo sends 0, 1, 2…); its position when it sent none. */
	readonly id: number | string;
	readonly input: string;
	readonly expected: string;
}

/** Every field a test case may have: anything else is refused, never silently ignored. */
export const testCaseFields = ['id', 'input', 'output', 'expected_output'] as const;

export interface JudgeRequest {
	readonly program: Program;
	readonly tests: readonly TestCase[];
	readonly limits: RequestedLimits;
	readonly compare: Comparison;
	/** C source of a checker program that decides each test case instead of `compare`; null: none. */
	readonly checker: string | null;
	/** Stop at the first test case that fails: the ones not yet finished are SKIPPED. */
	readonly stopOnFirstFailure: boolean;
	/** Top-level fields the server does not read (Turbo's `user_id`), named back in the answer. */
	readonly ignoredFields: readonly string[];
}

/** Every top-level field a judge request may have; the others are ignored and listed in `ignored_fields`. */
export const judgeFields = [
	...programFields, 'testcases', 'time_limit_ms', 'memory_limit_mb', 'compare', 'absolute_tolerance', 'relative_tolerance', 'checker', 'stop_on_first_failure',
] as const;

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

	// Characters as a person counts them (code points), not UTF-16 units: 128 emoji are as long as 128 letters.
	if ((typeof value === 'number' && Number.isSafeInteger(value)) || (typeof value === 'string' && value.length > 0 && [...value].length <= maxIdLength)) {
		return value;
	}

	throw badRequest(`${where}.id must be a whole number or a string of 1 to ${maxIdLength} characters`);
}

function parseTestCase(value: unknown, index: number, rules: JudgeRules): TestCase {
	const where = `testcases[${index}]`;
	if (!isPlainObject(value)) {
		throw badRequest(`${where} must be an object`);
	}

	const test = value;
	const unknown = Object.keys(test).find(name => !(testCaseFields as readonly string[]).includes(name));
	if (unknown !== undefined) {
		throw badRequest(`${where} has an unknown field '${unknown}'; a test case's fields are: ${testCaseFields.join(', ')}`);
	}

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

function tolerance(object: Record<string, unknown>, name: string, isFloat: boolean): number {
	const value = object[name];
	if (value === undefined || value === null) {
		return defaultTolerance;
	}

	if (!isFloat) {
		throw badRequest(`Field '${name}' applies only with "compare": "float"`);
	}

	if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
		throw badRequest(`Field '${name}' must be a number of at least 0`);
	}

	return value;
}

function parseComparison(object: Record<string, unknown>): Comparison {
	const value = object['compare'];
	if (value !== undefined && value !== null && !compareModes.includes(value as CompareMode)) {
		throw badRequest(`Field 'compare' must be one of: ${compareModes.map(mode => `"${mode}"`).join(', ')}`);
	}

	const mode = (value ?? 'trim') as CompareMode;
	const absolute = tolerance(object, 'absolute_tolerance', mode === 'float');
	const relative = tolerance(object, 'relative_tolerance', mode === 'float');
	return mode === 'float' ? {mode, absolute, relative} : {mode};
}

function parseChecker(object: Record<string, unknown>): string | null {
	if (object['checker'] === undefined || object['checker'] === null) {
		return null;
	}

	if (object['compare'] !== undefined && object['compare'] !== null) {
		throw badRequest('Send either \'checker\' or \'compare\': a checker program decides the comparison itself');
	}

	return parseCode(object, 'checker');
}

function parseFlag(object: Record<string, unknown>, name: string): boolean {
	const value = object[name];
	if (value === undefined || value === null) {
		return false;
	}

	if (typeof value !== 'boolean') {
		throw badRequest(`Field '${name}' must be true or false`);
	}

	return value;
}


export interface JudgeOptions {
	/** Turbo's /submit: `language` must be sent. */
	readonly requireLanguage?: boolean;
}

/**
 * Validates a decoded /judge_c (or /submit) body, all of it, before anything runs. Test cases come as
 * `{id?, input?, output}` (Turbo) or `{input?, expected_output}` (Dalmeng); any other test case field is a 400.
 * Unknown top-level fields (Turbo's `user_id`) are ignored and named back in `ignored_fields`.
 */
export function parseJudgeRequest(body: unknown, rules: JudgeRules, options: JudgeOptions = {}): JudgeRequest {
	const object = requireObject(body);
	return {
		program: parseProgram(object, {requireLanguage: options.requireLanguage ?? false}),
		tests: parseTests(object['testcases'], rules),
		limits: parseRequestedLimits(object),
		compare: parseComparison(object),
		checker: parseChecker(object),
		stopOnFirstFailure: parseFlag(object, 'stop_on_first_failure'),
		ignoredFields: Object.keys(object).filter(name => !(judgeFields as readonly string[]).includes(name)),
	};
}
