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
	const response = await post(url, docs);
	t.is(response.status, 200);
	t.is(response.headers.get('access-control-allow-origin'), null);
	t.is((await preflight(url, docs)).headers.get('access-control-allow-origin'), null);
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

test('errors carry CORS headers too, so the page can read them', async t => {
	const {url, close} = await setup({corsOrigins: docs});
	const response = await fetch(`${url}/execute_c`, {method: 'POST', body: '{}', headers: {'Content-Type': 'application/json', Origin: docs}});
	t.is(response.status, 400);
	t.is(response.headers.get('access-control-allow-origin'), docs);
	await close();
});

test('another origin: served without CORS headers; its preflight refused with a 403 naming the setting', async t => {
	const {url, close} = await setup({corsOrigins: docs});
	const response = await post(url, 'https://evil.example.com');
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
