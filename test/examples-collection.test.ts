// The example request collection in examples/: generated from one list, committed, and run — the curl script, the
// Postman collection (with newman) and the .http file — against a real server. If it is shown, it is run.
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {outputs, readCases, render} from '../scripts/collection.ts';
import {assertHostClean, projectRoot, startServer, type RunningServer} from './helpers/server.ts';

const token = 'collection-test-token-0123456789';
/** Each form runs against a server without a token and one that requires it (as compose and Kubernetes do). */
const servers: Record<'open' | 'token', RunningServer | undefined> = {open: undefined, token: undefined};
test.before(async () => {
	[servers.open, servers.token] = await Promise.all([startServer({uidBase: 62_580}), startServer({uidBase: 62_610, env: {C_RUNNER_TOKEN: token}})]);
});
test.after.always(async () => {
	await Promise.all([servers.open?.stop(), servers.token?.stop()]);
});

const modes = [
	{name: 'no token', server: () => servers.open!, token: ''},
	{name: 'a token', server: () => servers.token!, token},
] as const;

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

for (const mode of modes) {
	test.serial(`the curl script, ${mode.name}: every request answered as expected`, async t => {
		const server = mode.server();
		const run = spawnSync('bash', [outputs.curl, server.url], {encoding: 'utf8', env: {...process.env, C_RUNNER_TOKEN: mode.token}});
		t.is(run.status, 0, run.stdout + run.stderr);
		t.regex(run.stdout, new RegExp(`^${readCases().length} of ${readCases().length} requests answered as expected$`, 'm'));
		t.notRegex(run.stdout, /^FAIL/m);
		await assertHostClean(t, server);
	});

	test.serial(`the Postman collection under newman, ${mode.name}: every assertion passes`, async t => {
		const server = mode.server();
		const newman = path.join(projectRoot, 'node_modules', 'newman', 'bin', 'newman.js');
		const run = spawnSync(process.execPath, [newman, 'run', outputs.postman, '--env-var', `baseUrl=${server.url}`, '--env-var', `token=${mode.token}`, '--reporters', 'cli', '--color', 'off'], {encoding: 'utf8'});
		t.is(run.status, 0, run.stdout + run.stderr);
		const assertions = /assertions\s*│\s*(\d+)\s*│\s*(\d+)/.exec(run.stdout);
		t.truthy(assertions, run.stdout);
		t.true(Number(assertions?.[1]) >= readCases().length * 2, `${assertions?.[1]} assertions`);
		t.is(assertions?.[2], '0', 'no failed assertion');
		await assertHostClean(t, server);
	});
}

test.serial('without the token, a server that requires one refuses the collection: the token is really sent', t => {
	const run = spawnSync('bash', [outputs.curl, servers.token!.url], {encoding: 'utf8', env: {...process.env, C_RUNNER_TOKEN: ''}});
	t.not(run.status, 0);
	t.regex(run.stdout, /status 401, expected 200/);
});

interface HttpRequest {
	readonly title: string;
	readonly status: number;
	readonly fields: Record<string, unknown>;
	readonly method: string;
	readonly url: string;
	readonly headers: Record<string, string>;
	readonly body: string;
}

/**
 * The .http file as REST Client reads it: `@name = value` variables, `###` blocks, `# expect:` comments, request
 * line, headers, body. `variables` override the file's own, as the client's environment does.
 */
function parseHttpFile(text: string, variables: Record<string, string>): HttpRequest[] {
	const values = {...Object.fromEntries([...text.matchAll(/^@(\w+) =(.*)$/gm)].map(([, name, value]) => [name!, value!.trim()])), ...variables};
	const substitute = (line: string) => line.replaceAll(/{{(\w+)}}/g, (_match, name: string) => values[name] ?? '');
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
			url: substitute(url!),
			headers: Object.fromEntries(headerLines.map(substitute).map(line => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()])),
			body: blank === -1 ? '' : rest.slice(blank + 1).join('\n').trim(),
		};
	});
}

for (const mode of modes) {
	test.serial(`the .http file, ${mode.name}: every request answered as its comments say`, async t => {
		const server = mode.server();
		await sendHttpFile(t, server, mode.token);
		await assertHostClean(t, server);
	});
}

async function sendHttpFile(t: import('ava').ExecutionContext, server: RunningServer, token: string) {
	const requests = parseHttpFile(fs.readFileSync(outputs.http, 'utf8'), {baseUrl: server.url, token});
	t.is(requests.length, readCases().length);
	for (const request of requests) {
		const init: RequestInit = {method: request.method, headers: request.headers};
		if (request.body !== '') {
			init.body = request.body;
		}

		const response = await fetch(request.url, init);
		t.is(response.status, request.status, request.title);
		const text = await response.text();
		if (Object.keys(request.fields).length > 0) {
			const json = JSON.parse(text) as Record<string, unknown>;
			for (const [key, value] of Object.entries(request.fields)) {
				t.deepEqual(json[key], value, `${request.title}: ${key}`);
			}
		}
	}
}
