// The example request collection in examples/: generated from one list, committed, and run — the curl script, the
// Postman collection (with newman) and the .http file — against a real server. If it is shown, it is run.
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {outputs, readCases, render} from '../scripts/collection.ts';
import {assertHostClean, projectRoot, startServer, type RunningServer} from './helpers/server.ts';

let server: RunningServer;
test.before(async () => {
	server = await startServer({uidBase: 62_580});
});
test.after.always(async () => {
	await server?.stop();
});

test('the committed collection files are what scripts/collection.ts makes (npm run collection)', t => {
	for (const [kind, text] of Object.entries(render()) as Array<[keyof typeof outputs, string]>) {
		t.is(fs.readFileSync(outputs[kind], 'utf8'), text, `${path.relative(projectRoot, outputs[kind])} is stale`);
	}

	t.true((fs.statSync(outputs.curl).mode & 0o111) !== 0, 'requests.sh is executable');
});

test('every case has its request body, and every body is used', t => {
	const cases = readCases();
	const bodies = fs.readdirSync(path.join(projectRoot, 'examples', 'requests')).filter(name => name !== 'index.json');
	t.deepEqual([...new Set(cases.flatMap(testCase => testCase.name === null ? [] : [`${testCase.name}.json`]))].sort(), bodies.sort());
	t.true(cases.length >= 15);
});

test.serial('the curl script: every request answered as expected', t => {
	const run = spawnSync('bash', [outputs.curl, server.url], {encoding: 'utf8'});
	t.is(run.status, 0, run.stdout + run.stderr);
	t.regex(run.stdout, new RegExp(`^${readCases().length} of ${readCases().length} requests answered as expected$`, 'm'));
	t.notRegex(run.stdout, /^FAIL/m);
	assertHostClean(t, server);
});

test.serial('the Postman collection under newman: every assertion passes', t => {
	const newman = path.join(projectRoot, 'node_modules', 'newman', 'bin', 'newman.js');
	const run = spawnSync(process.execPath, [newman, 'run', outputs.postman, '--env-var', `baseUrl=${server.url}`, '--reporters', 'cli', '--color', 'off'], {encoding: 'utf8'});
	t.is(run.status, 0, run.stdout + run.stderr);
	const assertions = /assertions\s*│\s*(\d+)\s*│\s*(\d+)/.exec(run.stdout);
	t.truthy(assertions, run.stdout);
	t.true(Number(assertions?.[1]) >= readCases().length * 2, `${assertions?.[1]} assertions`);
	t.is(assertions?.[2], '0', 'no failed assertion');
	assertHostClean(t, server);
});

interface HttpRequest {
	readonly title: string;
	readonly status: number;
	readonly fields: Record<string, unknown>;
	readonly method: string;
	readonly path: string;
	readonly headers: Record<string, string>;
	readonly body: string;
}

/** The .http file as REST Client reads it: `###` blocks, `# expect:` comments, request line, headers, body. */
function parseHttpFile(text: string): HttpRequest[] {
	const baseUrl = /^@baseUrl = (.+)$/m.exec(text)?.[1];
	return text.split(/^### /m).slice(1).map(block => {
		const lines = block.split('\n');
		const comments = lines.filter(line => line.startsWith('# expect: ')).map(line => line.slice('# expect: '.length));
		const rest = lines.slice(1).filter(line => !line.startsWith('#'));
		const [method, url] = rest[0]!.split(' ');
		const blank = rest.indexOf('');
		const headerLines = rest.slice(1, blank === -1 ? undefined : blank);
		return {
			title: lines[0]!,
			status: Number(comments[0]),
			fields: Object.fromEntries(comments.slice(1).map(comment => {
				const [key, value] = comment.split(' = ');
				return [key!, JSON.parse(value!)];
			})),
			method: method!,
			path: url!.replace('{{baseUrl}}', '').replace(baseUrl ?? '', ''),
			headers: Object.fromEntries(headerLines.map(line => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()])),
			body: blank === -1 ? '' : rest.slice(blank + 1).join('\n').trim(),
		};
	});
}

test.serial('the .http file: every request answered as its comments say', async t => {
	const requests = parseHttpFile(fs.readFileSync(outputs.http, 'utf8'));
	t.is(requests.length, readCases().length);
	for (const request of requests) {
		const init: RequestInit = {method: request.method, headers: request.headers};
		if (request.body !== '') {
			init.body = request.body;
		}

		const response = await fetch(`${server.url}${request.path}`, init);
		t.is(response.status, request.status, request.title);
		const text = await response.text();
		if (Object.keys(request.fields).length > 0) {
			const json = JSON.parse(text) as Record<string, unknown>;
			for (const [key, value] of Object.entries(request.fields)) {
				t.deepEqual(json[key], value, `${request.title}: ${key}`);
			}
		}
	}

	assertHostClean(t, server);
});
