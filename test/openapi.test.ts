// The OpenAPI document (src/openapi.ts): valid OpenAPI 3.1, every schema compiles under JSON Schema 2020-12 in strict
// mode, and it says what API.md and the code say — the same endpoints, the same fields with the same types, the same
// statuses, verdicts and events. test/integration/api-doc.test.ts checks real answers against it.
import fs from 'node:fs';
import path from 'node:path';
import {Validator} from '@seriousme/openapi-schema-validator';
import type {ValidateFunction} from 'ajv/dist/2020.js';
import test from 'ava';
import type {HealthReport} from '../src/health.ts';
import type {JudgeListener} from '../src/judge/run-judge.ts';
import type {JudgeResult, JudgeSummary, TestResult} from '../src/judge/verdict.ts';
import type {AppliedLimits, ExecuteResult} from '../src/job/result.ts';
import {openApiDocument} from '../src/openapi.ts';
import {judgeResult, result} from './helpers/fake-app.ts';
import {schemaAt} from './helpers/openapi.ts';
import {projectRoot} from './helpers/server.ts';

type Json = Record<string, any>;

const document: Json = openApiDocument;
const schemas: Record<string, Json> = openApiDocument.components.schemas;
const apiDoc = fs.readFileSync(path.join(projectRoot, 'API.md'), 'utf8');
const packageVersion = (JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as {version: string}).version;

const validator = (name: string): ValidateFunction => schemaAt(`/components/schemas/${name}`);

/** The object a local `$ref` ("#/components/schemas/X") points at, or the value itself. */
function resolve(value: Json): Json {
	if (typeof value['$ref'] !== 'string') {
		return value;
	}

	let target: any = document;
	for (const part of (value['$ref'] as string).replace(/^#\//, '').split('/')) {
		target = target?.[part.replaceAll('~1', '/').replaceAll('~0', '~')];
	}

	if (target === undefined) {
		throw new Error(`unresolved $ref ${value['$ref']}`);
	}

	return resolve(target as Json);
}

/** `[method, path, operation]` for every operation of the document. */
const operations = Object.entries(document['paths'] as Json).flatMap(([route, item]) =>
	Object.entries(item as Json).filter(([method]) => method !== 'parameters').map(([method, operation]) => [method.toUpperCase(), route, operation as Json] as const));

test('a valid OpenAPI 3.1 document', async t => {
	const check = new Validator();
	const outcome = await check.validate(structuredClone(openApiDocument));
	t.true(outcome.valid, JSON.stringify(outcome.errors, null, 2));
	t.is(check.version, '3.1');
	t.is(openApiDocument.openapi, '3.1.0');
});

test('plain JSON, as the route serves it, with the version of package.json', t => {
	t.deepEqual(JSON.parse(JSON.stringify(openApiDocument)), openApiDocument);
	t.is(openApiDocument.info.version, packageVersion);
});

test('every local $ref resolves', t => {
	const refs: string[] = [];
	const walk = (value: unknown) => {
		if (typeof value === 'object' && value !== null) {
			const ref = (value as Json)['$ref'];
			if (typeof ref === 'string') {
				refs.push(ref);
			}

			Object.values(value).forEach(walk);
		}
	};

	walk(openApiDocument);
	t.true(refs.length > 20, `found ${refs.length}`);
	for (const ref of refs) {
		t.notThrows(() => resolve({$ref: ref}), ref);
	}
});

test('every component schema compiles (JSON Schema 2020-12, strict)', t => {
	t.true(Object.keys(schemas).length >= 8);
	for (const name of Object.keys(schemas)) {
		t.notThrows(() => validator(name), name);
	}
});

test('the endpoints are the ones API.md describes', t => {
	const described = [...apiDoc.matchAll(/^## (GET|POST|PUT|PATCH|DELETE) (\/\S*)$/gm)].map(match => `${match[1]} ${match[2]}`);
	t.deepEqual(operations.map(([method, route]) => `${method} ${route}`).sort(), described.sort());
});

test('the token: required where API.md says, and only when the server has one', t => {
	const sentence = /every endpoint except([\s\S]*?)needs/.exec(apiDoc)?.[1] ?? '';
	const open = [...sentence.matchAll(/`(GET|POST) (\/\S*)`/g)].map(match => `${match[1]} ${match[2]}`);
	t.true(open.length > 0, 'API.md names the endpoints that need no token');
	t.deepEqual(openApiDocument.components.securitySchemes.bearerAuth, {...openApiDocument.components.securitySchemes.bearerAuth, type: 'http', scheme: 'bearer'});
	for (const [method, route, operation] of operations) {
		// `{}` as an alternative: no token also does, when the server has none.
		const expected = open.includes(`${method} ${route}`) ? [] : [{bearerAuth: []}, {}];
		t.deepEqual(operation['security'], expected, `${method} ${route}`);
	}
});

const compatErrors: Record<string, string> = {
	'/api/v2/execute 400': 'PistonError',
	'/api/v2/execute 413': 'PistonError',
	'/api/v2/execute 503': 'PistonError',
	'/submissions 422': 'Judge0FieldErrors',
};

test('every answer has X-Request-Id, every error the {error} body', t => {
	for (const [method, route, operation] of operations) {
		for (const [status, reference] of Object.entries(operation['responses'] as Json)) {
			const response = resolve(reference as Json);
			t.truthy(response['headers']?.['X-Request-Id'], `${method} ${route} ${status}: X-Request-Id`);
			// Piston's and Judge0's own refusals keep their shapes (`{message}`, `{field: [messages]}`).
			const own = compatErrors[`${route} ${status}`];
			if (Number(status) >= 400 && route !== '/health') {
				t.deepEqual(response['content'], {'application/json': {schema: {$ref: `#/components/schemas/${own ?? 'Error'}`}}}, `${method} ${route} ${status}`);
			}
		}
	}

	for (const [name, response] of Object.entries(openApiDocument.components.responses)) {
		t.truthy((response.headers as Json)['X-Request-Id'], name);
	}
});

test('every error status of API.md is described', t => {
	const errors = readTables(apiDoc).find(table => table.section === 'Errors' && table.header[0] === 'Status');
	t.truthy(errors, 'API.md has the table of errors');
	const described = new Set(operations.flatMap(([, , operation]) => Object.keys(operation['responses'] as Json)));
	// Answers for paths and methods the document does not list, so no operation can hold them.
	const unlisted: Record<string, string> = {404: 'NotFound', 405: 'MethodNotAllowed'};
	for (const status of new Set(errors!.rows.map(row => row[0]!))) {
		// 403: only a CORS preflight (OPTIONS, not described); 499: in the log only, never sent.
		if (status !== '403' && status !== '499') {
			t.true(described.has(status) || unlisted[status]! in openApiDocument.components.responses, `status ${status}`);
		}
	}
});

// API.md's tables, read outside code blocks, named by their section: "POST /judge_c › Response".
interface Table {
	readonly section: string;
	readonly header: readonly string[];
	readonly rows: string[][];
}

function readTables(markdown: string): Table[] {
	const tables: Table[] = [];
	let sections: string[] = [];
	let fenced = false;
	let current: Table | null = null;
	for (const line of markdown.split('\n')) {
		if (line.startsWith('```')) {
			fenced = !fenced;
		}

		const heading = fenced ? null : /^(#{2,3}) (.+)$/.exec(line);
		if (heading) {
			sections = heading[1] === '##' ? [heading[2]!] : [sections[0] ?? '', heading[2]!];
		}

		if (fenced || !line.startsWith('|')) {
			current = null;
			continue;
		}

		const cells = line.trim().slice(1, -1).split('|').map(cell => cell.trim());
		if (current === null) {
			current = {section: sections.join(' › '), header: cells, rows: []};
			tables.push(current);
		} else if (!/^[\s|:-]+$/.test(line)) {
			current.rows.push(cells);
		}
	}

	return tables;
}

/** The backticked words of a cell, quotes dropped: "`"trim"` (default) or `"exact"`" gives trim and exact. */
const codeWords = (cell: string) => [...cell.matchAll(/`"?(\w+)"?`/g)].map(match => match[1]!);

/** "string or null", "integer ≥ 1", "array of strings": the JSON types, and a minimum when one is given. */
function documentedTypes(cell: string): {types: string[]; minimum: number | null} {
	let minimum: number | null = null;
	const types = cell.split(' or ').map(part => {
		const match = /^(string|integer|number|boolean|null|object|array)(?: of strings| ≥ (\d+))?$/.exec(part);
		if (!match) {
			throw new Error(`API.md: unknown type "${part}"`);
		}

		minimum = match[2] === undefined ? minimum : Number(match[2]);
		return match[1]!;
	});
	return {types: types.sort(), minimum};
}

/** The JSON types a schema admits, through `$ref`, `oneOf` and `anyOf`. */
function schemaTypes(schema: Json): string[] {
	const resolved = resolve(schema);
	const alternatives = (resolved['oneOf'] ?? resolved['anyOf']) as Json[] | undefined;
	const types: string[] = alternatives ? alternatives.flatMap(schemaTypes) : [resolved['type'] as string | string[]].flat();
	return [...new Set(types)].sort();
}

/** API.md's field tables and the schema each one describes; a `testcases[i].<field>` row describes a test case. */
const fieldTables: Record<string, {readonly schema: string; readonly request: boolean}> = {
	'POST /execute_c › Request 1': {schema: 'ExecuteRequest', request: true},
	'POST /execute_c › Response 1': {schema: 'ExecuteResult', request: false},
	'POST /judge_c › Request 1': {schema: 'JudgeRequest', request: true},
	'POST /judge_c › Response 1': {schema: 'JudgeResult', request: false},
	'POST /judge_c › Response 2': {schema: 'TestResult', request: false},
};
const testCasePrefix = 'testcases[i].';

interface Field {
	readonly name: string;
	readonly type: string;
	readonly required: string | null;
	readonly meaning: string;
}

/** The field tables (`| Field | Type | ... |`) of API.md, by section and position in it. */
function readFieldTables(): Map<string, Field[]> {
	const found = new Map<string, Field[]>();
	const counts = new Map<string, number>();
	for (const table of readTables(apiDoc).filter(table => table.header[0] === 'Field')) {
		const position = (counts.get(table.section) ?? 0) + 1;
		counts.set(table.section, position);
		const request = table.header[2] === 'Required';
		found.set(`${table.section} ${position}`, table.rows.flatMap(row => [...row[0]!.matchAll(/`([^`]+)`/g)].map(match => ({
			name: match[1]!,
			type: row[1]!,
			required: request ? row[2]! : null,
			meaning: row.at(-1)!,
		}))));
	}

	return found;
}

const tables = readFieldTables();

test('every field table of API.md is checked below', t => {
	t.deepEqual([...tables.keys()].sort(), Object.keys(fieldTables).sort());
});

for (const [key, {schema: tableSchema, request}] of Object.entries(fieldTables)) {
	// The rows of one table that describe one schema: a request table also holds the test case's rows.
	const groups = (): Array<[string, Field[]]> => {
		const fields = tables.get(key) ?? [];
		const own = fields.filter(field => !field.name.startsWith(testCasePrefix));
		const items = fields.filter(field => field.name.startsWith(testCasePrefix)).map(field => ({...field, name: field.name.slice(testCasePrefix.length)}));
		return items.length === 0 ? [[tableSchema, own]] : [[tableSchema, own], ['TestCase', items]];
	};

	test(`API.md ${key}: the same fields and types as the schema ${tableSchema}`, t => {
		for (const [name, fields] of groups()) {
			const schema = schemas[name]!;
			const properties = schema['properties'] as Record<string, Json>;
			t.deepEqual(fields.map(field => field.name).sort(), Object.keys(properties).sort(), `${name}: the fields`);
			for (const field of fields.filter(field => field.type !== '')) {
				const property = properties[field.name];
				if (property === undefined) {
					continue;
				}

				const {types, minimum} = documentedTypes(field.type);
				// The server takes null for an absent optional field; API.md does not mention it.
				const admitted = schemaTypes(property).filter(type => !request || type !== 'null' || types.includes('null'));
				t.deepEqual(admitted, types, `${name}.${field.name}: the type`);
				if (minimum !== null) {
					t.is(resolve(property)['minimum'], minimum, `${name}.${field.name}: the minimum`);
				}

				// Names in the meaning: an object's fields (all of them, when it lists any), or values of an enum.
				const words = codeWords(field.meaning);
				const target = resolve(property);
				if (target['properties'] !== undefined && words.length > 0) {
					for (const inner of Object.keys(target['properties'] as Json)) {
						t.true(words.includes(inner), `${name}.${field.name}: API.md names its field ${inner}`);
					}
				} else if (Array.isArray(target['enum'])) {
					for (const word of words) {
						t.true((target['enum'] as unknown[]).includes(word), `${name}.${field.name}: ${word} is one of its values`);
					}
				}
			}

			if (request) {
				t.deepEqual(fields.filter(field => field.required === 'yes').map(field => field.name).sort(), [...(schema['required'] as string[] | undefined) ?? []].sort(), `${name}: required`);
				// "One of these two": the branches of the object's `allOf: [{anyOf}]`.
				const eitherOf = ((schema['allOf']?.[0]?.['anyOf'] as Json[] | undefined) ?? []).flatMap(branch => branch['required'] as string[]);
				t.deepEqual(fields.filter(field => field.required === 'one of these two').map(field => field.name).sort(), eitherOf.sort(), `${name}: one of`);
			} else {
				// The server always sends every field: a strict schema catches a field added or dropped.
				t.deepEqual([...schema['required'] as string[]].sort(), Object.keys(properties).sort(), `${name}: every field required`);
				t.is(schema['additionalProperties'], false, `${name}: no other field`);
			}
		}
	});
}

test('the statuses, verdicts and stream events are the ones API.md lists', t => {
	const all = readTables(apiDoc);
	const firstColumn = (section: string, header: string) => {
		const table = all.find(candidate => candidate.section === section && candidate.header[0] === header);
		t.truthy(table, `API.md: ${section}`);
		return [...new Set(table?.rows.flatMap(row => codeWords(row[0]!)))].sort();
	};

	const statuses = firstColumn('POST /execute_c › Statuses', '`status`');
	t.deepEqual([...schemas['ExecuteResult']!['properties']['status']['enum']].sort(), statuses);
	t.deepEqual([...schemas['TestResult']!['properties']['status']['enum']].sort(), [...statuses, 'skipped'].sort(), 'and skipped, for a SKIPPED test case');
	const verdicts = firstColumn('POST /judge_c › Verdicts', '`verdict`');
	t.deepEqual([...schemas['JudgeResult']!['properties']['verdict']['enum']].sort(), verdicts);
	// CE is the verdict of a whole request: no test case runs.
	t.deepEqual([...schemas['TestResult']!['properties']['verdict']['enum']].sort(), verdicts.filter(verdict => verdict !== 'CE'));
	const stream = openApiDocument.paths['/judge_c'].post.responses[200].content['text/event-stream'];
	t.deepEqual(Object.keys(stream['x-event-schemas']).sort(), firstColumn('POST /judge_c › Streaming', 'Event'));
});

/** The fields of the code's own types, spelled out: the compiler complains when a type gains or loses one. */
const fieldsOf = <T>(fields: Record<keyof T, 0>) => Object.keys(fields).sort();
const codeTypes: Record<string, string[]> = {
	ExecuteResult: fieldsOf<ExecuteResult>({
		output: 0, error: 0, exit_code: 0, status: 0, signal: 0, timed_out: 0, truncated: 0, stopped_by: 0, output_limit_stream: 0, warnings: 0, time_ms: 0, cpu_ms: 0, memory_kb: 0, limits: 0, compile_cached: 0,
	}),
	AppliedLimits: fieldsOf<AppliedLimits>({wall_time_ms: 0, cpu_time_ms: 0, cpu_time_enforced_ms: 0, memory_mb: 0, processes: 0, file_size_mb: 0, disk_mb: 0, open_files: 0, stack_mb: 0, output_bytes: 0}),
	JudgeResult: fieldsOf<JudgeResult>({passed: 0, verdict: 0, results: 0, error: 0, summary: 0, warnings: 0, limits: 0, ignored_fields: 0, compile_cached: 0}),
	JudgeSummary: fieldsOf<JudgeSummary>({passed: 0, total: 0, first_failure: 0}),
	TestResult: fieldsOf<TestResult>({
		index: 0, id: 0, worker_id: 0, passed: 0, verdict: 0, actual_output: 0, output_truncated: 0, error: 0, error_truncated: 0, time: 0, memory: 0,
		time_ms: 0, cpu_ms: 0, memory_kb: 0, exit_code: 0, signal: 0, status: 0, checker_message: 0,
	}),
	CompileEvent: fieldsOf<Parameters<NonNullable<JudgeListener['compiled']>>[0]>({status: 0, warnings: 0, error: 0}),
	HealthReport: fieldsOf<HealthReport>({status: 0, checked_at: 0, self_test: 0, versions: 0, policy: 0, slots: 0, judges: 0}),
};

test('the answer schemas have the fields of the code\'s types', t => {
	for (const [name, fields] of Object.entries(codeTypes)) {
		t.deepEqual(Object.keys(schemas[name]!['properties'] as Json).sort(), fields, name);
	}
});

test('the strict schemas take what the code sends and nothing else', t => {
	const execute = validator('ExecuteResult');
	t.true(execute(result), JSON.stringify(execute.errors));
	t.false(execute({...result, extra: 1}), 'a field the document does not know');
	const {limits: _limits, ...withoutLimits} = result;
	t.false(execute(withoutLimits), 'a field missing');
	t.false(execute({...result, status: 'crashed'}), 'a status that does not exist');
	const judge = validator('JudgeResult');
	t.true(judge(judgeResult), JSON.stringify(judge.errors));
	t.false(judge({...judgeResult, verdict: 'XX'}));
	t.true(validator('Error')({error: 'Missing required field: \'code\''}));
	t.false(validator('Error')({error: 'x', detail: 'y'}));
});

test('the request schemas take what API.md shows and refuse what the server refuses', t => {
	const execute = validator('ExecuteRequest');
	t.true(execute({code: 'int main(void) { return 0; }', args: ['one arg'], stdin: 'x', time_limit_ms: 200, memory_limit_mb: 64, unknown: true}));
	t.true(execute({code: 'x', args: 'hello world 123'}));
	t.false(execute({invalid: 'request'}), 'no code');
	t.false(execute({code: ''}), 'empty code');
	t.false(execute({code: 'a\0b'}), 'NUL in code');
	t.false(execute({code: 'x', time_limit_ms: 0}), 'a limit below 1');
	t.false(execute({code: 'x', time_limit_ms: 1.5}), 'a limit not whole');
	t.false(execute({code: 'x', args: Array.from({length: 257}, () => 'a')}), 'too many arguments');
	const judge = validator('JudgeRequest');
	t.true(judge({user_id: 'student_123', language: 'c', code: 'x', testcases: [{id: 0, input: '5\n', output: '10'}, {id: 'b', expected_output: '1'}], compare: 'exact'}));
	t.false(judge({code: 'x', testcases: []}), 'no test case');
	t.false(judge({code: 'x', testcases: [{input: '1'}]}), 'no expected output');
	t.false(judge({code: 'x', testcases: [{output: '1', id: ''}]}), 'an empty id');
	t.false(judge({code: 'x', testcases: [{output: '1'}], compare: 'fuzzy'}), 'an unknown comparison');
	t.false(judge({code: 'x', testcases: [{output: '1'}], language: 'python'}), 'another language');
	// Piston's file encodings as API.md gives them: base64 and hex decoded, anything else (none, null) taken as it is.
	const piston = validator('PistonExecuteRequest');
	t.true(piston({language: 'c', version: '*', files: [{content: 'x'}]}));
	t.true(piston({language: 'c', version: null, files: [{name: 'a.c', content: 'eA==', encoding: 'base64'}, {content: '78', encoding: 'hex'}, {content: 'x', encoding: null}]}));
	t.false(piston({language: 'c', files: []}), 'no file');
	t.false(piston({files: [{content: 'x'}]}), 'no language');
});
