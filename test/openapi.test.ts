// The OpenAPI document: valid OpenAPI 3.1, every schema compiles, and it lists the fields API.md's tables list.
import fs from 'node:fs';
import path from 'node:path';
import {Validator} from '@seriousme/openapi-schema-validator';
import test from 'ava';
import {openApiDocument} from '../src/openapi.ts';
import {compileSchema} from './helpers/openapi.ts';
import {projectRoot} from './helpers/server.ts';

const apiDoc = fs.readFileSync(path.join(projectRoot, 'API.md'), 'utf8');
const {schemas} = openApiDocument.components;

test('a valid OpenAPI 3.1 document', async t => {
	const result = await new Validator().validate(structuredClone(openApiDocument) as Record<string, unknown>);
	t.true(result.valid, JSON.stringify(result.errors, null, 2));
});

test('every component schema compiles (JSON Schema 2020-12)', t => {
	for (const name of Object.keys(schemas)) {
		t.notThrows(() => compileSchema(name), name);
	}
});

/** The field names of the first markdown table after `heading` (a row may name several: "`a`, `b`"). */
function tableFields(heading: string): string[] {
	const start = apiDoc.indexOf(heading);
	if (start === -1) {
		throw new Error(`API.md has no ${heading}`);
	}

	const lines = apiDoc.slice(start).split('\n');
	const first = lines.findIndex(line => line.startsWith('| Field |'));
	const rows: string[] = [];
	for (const line of lines.slice(first + 2)) {
		if (!line.startsWith('|')) {
			break;
		}

		rows.push(line.split('|')[1]!);
	}

	return rows.flatMap(cell => [...cell.matchAll(/`([\w[\].]+)`/g)].map(match => match[1]!));
}

const properties = (name: keyof typeof schemas) => Object.keys((schemas[name] as {properties: object}).properties).sort();

const tables: Array<[string, string, (fields: string[]) => string[], keyof typeof schemas]> = [
	['/execute_c request', '## POST /execute_c', fields => fields, 'ExecuteRequest'],
	['/execute_c answer', '### Response\n\nStatus 200 whenever the request was valid and the server worked, whatever', fields => fields, 'ExecuteResult'],
	['/judge_c request', '## POST /judge_c', fields => fields.filter(field => !field.startsWith('testcases[')), 'JudgeRequest'],
	['/judge_c test case', '## POST /judge_c', fields => fields.filter(field => field.startsWith('testcases[i].')).map(field => field.slice('testcases[i].'.length)), 'TestCase'],
	['/judge_c answer', '### Response\n\n200 whenever the request was valid and the server worked.', fields => fields, 'JudgeResult'],
	['/judge_c result', 'Each result:', fields => fields, 'TestResult'],
];

for (const [name, heading, select, schema] of tables) {
	test(`API.md and the OpenAPI document list the same fields: ${name}`, t => {
		t.deepEqual(select(tableFields(heading)).sort(), properties(schema));
	});
}
