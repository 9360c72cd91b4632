// Nothing in examples/ may rot: every program there has an "Expected:" header and is run by some test.
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {examplesDir, projectRoot} from './helpers/server.ts';

function testSources(dir: string): string[] {
	return fs.readdirSync(dir, {withFileTypes: true}).flatMap(entry => {
		const full = path.join(dir, entry.name);
		return entry.isDirectory() ? testSources(full) : (entry.name.endsWith('.ts') ? [fs.readFileSync(full, 'utf8')] : []);
	});
}

const examples = fs.readdirSync(examplesDir).filter(name => name.endsWith('.c'));
const tests = testSources(path.join(projectRoot, 'test')).join('\n');

test('there are examples', t => {
	t.true(examples.length >= 30, `found ${examples.length}`);
});

for (const name of examples) {
	test(`${name} says what to expect and is run by a test`, t => {
		t.regex(fs.readFileSync(path.join(examplesDir, name), 'utf8'), /^\/\/ Expected: /m);
		t.true(tests.includes(`'${name}'`), `no test runs ${name}`);
	});
}
