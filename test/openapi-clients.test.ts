// The OpenAPI document as client generators and linters see it: openapi-typescript's types and @hey-api/openapi-ts's
// SDK compile for an ordinary /execute_c and /judge_c call (and refuse a test case without its expected output),
// and Redocly and Spectral lint it clean under test/openapi-clients/'s rule files. The tools are their own package
// there (openapi-typescript needs TypeScript 5); scripts/test.mjs installs it.
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {openApiDocument} from '../src/openapi.ts';
import {projectRoot} from './helpers/server.ts';

const dir = path.join(projectRoot, 'test', 'openapi-clients');
const bin = (name: string) => path.join(dir, 'node_modules', '.bin', name);
const documentPath = path.join(dir, 'openapi.json');
const generated = [documentPath, path.join(dir, 'types.ts'), path.join(dir, 'hey-api')];

function run(command: string, args: string[]) {
	// The tools are Node scripts: the Node that runs the tests runs them too.
	const result = spawnSync(command, args, {cwd: dir, encoding: 'utf8', env: {...process.env, PATH: `${path.dirname(process.execPath)}:${process.env['PATH'] ?? ''}`, NO_COLOR: '1'}});
	return {status: result.status, output: `${result.stdout}${result.stderr}`};
}

test.before(() => {
	if (!fs.existsSync(bin('openapi-typescript'))) {
		throw new Error(`the OpenAPI tools are not installed in ${dir}: npm test installs them (npm ci --prefix test/openapi-clients)`);
	}

	fs.writeFileSync(documentPath, JSON.stringify(openApiDocument, null, 2));
});
test.after.always(() => {
	for (const file of generated) {
		fs.rmSync(file, {recursive: true, force: true});
	}
});

test.serial('Redocly: valid, no warning', t => {
	const {status, output} = run(bin('redocly'), ['lint', documentPath, '--config', path.join(dir, 'redocly.yaml'), '--format', 'stylish']);
	t.is(status, 0, output);
	t.regex(output, /Your API description is valid/);
	t.notRegex(output, /warning|error/i, output);
});

test.serial('Spectral: no problem at all, hints included', t => {
	const {status, output} = run(bin('spectral'), ['lint', documentPath, '--ruleset', path.join(dir, '.spectral.yaml'), '--fail-severity', 'hint']);
	t.is(status, 0, output);
	t.regex(output, /No results with a severity of 'hint' or higher found!/);
});

const typeCheck = () => run(process.execPath, [path.join(projectRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(dir, 'tsconfig.json')]);

test.serial('openapi-typescript and @hey-api/openapi-ts: their output compiles for ordinary calls, and refuses bad ones', t => {
	const types = run(bin('openapi-typescript'), [documentPath, '-o', path.join(dir, 'types.ts')]);
	t.is(types.status, 0, types.output);
	const sdk = run(bin('openapi-ts'), ['-i', documentPath, '-o', path.join(dir, 'hey-api')]);
	t.is(sdk.status, 0, sdk.output);
	const checked = typeCheck();
	t.is(checked.status, 0, checked.output);
	// The check can fail: a request the document forbids, added to the client, is a type error.
	const client = path.join(dir, 'use-openapi-typescript.ts');
	const original = fs.readFileSync(client, 'utf8');
	try {
		fs.appendFileSync(client, '\nexport const wrong: JudgeBody = {code: \'x\', testcases: [{input: \'no expected output\'}]};\n');
		const refused = typeCheck();
		t.not(refused.status, 0);
		t.regex(refused.output, /use-openapi-typescript\.ts/);
	} finally {
		fs.writeFileSync(client, original);
	}
});
