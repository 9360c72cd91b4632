// CORS at the HTTP layer, with a fake runner: off by default, an allow-list when configured, preflights answered.
import test from 'ava';
import {setup} from '../helpers/fake-app.ts';

const docs = 'https://docs.example.com';
const body = JSON.stringify({code: 'int main(void) { return 0; }'});
const post = async (url: string, origin: string) =>
	fetch(`${url}/execute_c`, {method: 'POST', body, headers: {'Content-Type': 'application/json', Origin: origin}});
const preflight = async (url: string, origin: string, path = '/execute_c') => fetch(`${url}${path}`, {
	method: 'OPTIONS',
	headers: {Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type, authorization'},
});

test('off by default: no CORS header at all, even for a browser request', async t => {
	const {url, close} = await setup();
	const response = await fetch(`${url}/openapi.json`, {headers: {Origin: docs}});
	t.is(response.status, 200);
	t.is(response.headers.get('access-control-allow-origin'), null);
	t.is((await preflight(url, docs)).headers.get('access-control-allow-origin'), null);
	await close();
});

// A form (enctype text/plain) or a no-cors fetch is a POST without a preflight: Piston's route reads its body as
// JSON whatever its type, so any page its visitor opened ran programs on the visitor's server, answer unread.
const pistonBody = JSON.stringify({language: 'c', version: '*', files: [{content: 'int main(void) { return 0; }'}]});
const simplePost = async (url: string, origin: string) => fetch(`${url}/api/v2/execute`, {
	method: 'POST',
	body: pistonBody,
	headers: {'Content-Type': 'text/plain;charset=UTF-8', Origin: origin},
});

for (const corsOrigins of ['', docs]) {
	test(`a POST from a page of another origin runs nothing: 403 naming the setting (C_RUNNER_CORS_ORIGINS=${corsOrigins})`, async t => {
		const {url, runner, close} = await setup({corsOrigins});
		for (const origin of ['https://evil.example.com', 'null', `${url.replace('127.0.0.1', 'localhost')}`]) {
			const response = await simplePost(url, origin);
			t.is(response.status, 403, origin);
			t.deepEqual(await response.json(), {error: `Origin ${origin} is not allowed to call this API (C_RUNNER_CORS_ORIGINS)`});
			t.is(response.headers.get('access-control-allow-origin'), null);
		}

		const json = await post(url, 'https://evil.example.com');
		t.is(json.status, 403);
		t.deepEqual(runner.calls, []);
		await close();
	});
}

test('a POST from the server\'s own page (the playground), from an allowed origin, or from no browser is served', async t => {
	const {url, runner, close} = await setup({corsOrigins: docs});
	t.is((await simplePost(url, url)).status, 200, 'the Origin\'s host and port are the Host header\'s');
	t.is((await simplePost(url, docs)).status, 200);
	t.is((await fetch(`${url}/api/v2/execute`, {method: 'POST', body: pistonBody})).status, 200);
	t.is(runner.calls.length, 3);
	await close();
});

test('an allowed origin: its requests are readable, with the request id exposed', async t => {
	const {url, close} = await setup({corsOrigins: `${docs}, https://other.example.com`});
	const response = await post(url, docs);
	t.is(response.status, 200);
	t.is(response.headers.get('access-control-allow-origin'), docs);
	t.is(response.headers.get('vary'), 'Origin');
	t.regex(response.headers.get('access-control-expose-headers') ?? '', /X-Request-Id/);
	await close();
});

test('with CORS on, an answer to a request without Origin says Vary: Origin too, so a cache keeps it apart', async t => {
	const {url, close} = await setup({corsOrigins: docs});
	const response = await fetch(`${url}/execute_c`, {method: 'POST', body, headers: {'Content-Type': 'application/json'}});
	t.is(response.status, 200);
	t.is(response.headers.get('vary'), 'Origin');
	t.is(response.headers.get('access-control-allow-origin'), null);
	await close();
});

test('a preflight from an allowed origin is answered 204, before any token check', async t => {
	const {url, runner, close} = await setup({corsOrigins: docs, token: 'a-token-of-16-chars-or-more'});
	for (const path of ['/execute_c', '/judge_c']) {
		const response = await preflight(url, docs, path);
		t.is(response.status, 204, path);
		t.is(response.headers.get('access-control-allow-origin'), docs);
		t.is(response.headers.get('access-control-allow-methods'), 'GET, POST, OPTIONS');
		t.regex(response.headers.get('access-control-allow-headers') ?? '', /Authorization/);
		t.regex(response.headers.get('access-control-allow-headers') ?? '', /Content-Type/);
		t.is(response.headers.get('access-control-max-age'), '600');
	}

	t.deepEqual(runner.calls, [], 'a preflight runs nothing');
	await close();
});

test('a page may send the token as Judge0\'s clients do, in X-Auth-Token: its preflight allows that header', async t => {
	const {url, runner, close} = await setup({corsOrigins: docs, token: 'a-token-of-16-chars-or-more'});
	const response = await fetch(`${url}/submissions`, {
		method: 'OPTIONS',
		headers: {Origin: docs, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type, x-auth-token'},
	});
	t.is(response.status, 204);
	const allowed = (response.headers.get('access-control-allow-headers') ?? '').toLowerCase().split(/, */);
	t.true(['content-type', 'x-auth-token'].every(header => allowed.includes(header)), allowed.join(', '));
	const submitted = await fetch(`${url}/submissions?wait=true`, {method: 'POST', body: JSON.stringify({source_code: 'int main(void) { return 0; }', language_id: 50}), headers: {'Content-Type': 'application/json', Origin: docs, 'X-Auth-Token': 'a-token-of-16-chars-or-more'}});
	t.is(submitted.headers.get('access-control-allow-origin'), docs);
	t.not(submitted.status, 401);
	t.is(runner.calls.length, 1);
	await close();
});

test('errors carry CORS headers too, so the page can read them', async t => {
	const {url, close} = await setup({corsOrigins: docs});
	const response = await fetch(`${url}/execute_c`, {method: 'POST', body: '{}', headers: {'Content-Type': 'application/json', Origin: docs}});
	t.is(response.status, 400);
	t.is(response.headers.get('access-control-allow-origin'), docs);
	await close();
});

test('another origin: its reads served without CORS headers; its preflight refused with a 403 naming the setting', async t => {
	const {url, close} = await setup({corsOrigins: docs});
	const response = await fetch(`${url}/openapi.json`, {headers: {Origin: 'https://evil.example.com'}});
	t.is(response.status, 200);
	t.is(response.headers.get('access-control-allow-origin'), null);
	const refused = await preflight(url, 'https://evil.example.com');
	t.is(refused.status, 403);
	t.deepEqual(await refused.json(), {error: 'Origin https://evil.example.com is not allowed to call this API (C_RUNNER_CORS_ORIGINS)'});
	await close();
});

test('"*" allows any origin', async t => {
	const {url, close} = await setup({corsOrigins: '*'});
	t.is((await post(url, 'https://anywhere.example.org')).headers.get('access-control-allow-origin'), 'https://anywhere.example.org');
	await close();
});
