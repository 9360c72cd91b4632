import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import Koa from 'koa';
import {contentSecurityPolicy, playground} from '../../src/playground/serve.ts';
import {revalidate, serve} from '../helpers/serve.ts';

function builtPage(): string {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'c-runner-page-'));
	fs.writeFileSync(path.join(dir, 'index.html'), '<meta name="c-runner-style-nonce" content="{{NONCE}}">');
	fs.writeFileSync(path.join(dir, 'app.js'), 'console.log(1);');
	fs.writeFileSync(path.join(dir, 'app.css'), 'body{}');
	return dir;
}

/** The middleware alone over a built page (or turned off), serving one test: `use` gets its URL. */
async function withPage(enabled: boolean, use: (url: string) => Promise<void>) {
	const dir = builtPage();
	const app = new Koa();
	app.use(playground(enabled, dir));
	app.use(async ctx => {
		ctx.status = 404;
		ctx.body = 'next';
	});
	const server = await serve(app);
	try {
		await use(server.url);
	} finally {
		await server.close();
		fs.rmSync(dir, {recursive: true, force: true});
	}
}

test('the page, with a fresh nonce in its policy and its markup each time', async t => withPage(true, async url => {
	const nonces = [];
	for (let i = 0; i < 2; i++) {
		const response = await fetch(`${url}/`);
		t.is(response.status, 200);
		t.is(response.headers.get('content-type'), 'text/html; charset=utf-8');
		const nonce = /'nonce-([^']+)'/.exec(response.headers.get('content-security-policy') ?? '')?.[1];
		t.truthy(nonce);
		t.is(await response.text(), `<meta name="c-runner-style-nonce" content="${nonce}">`);
		t.is(response.headers.get('x-content-type-options'), 'nosniff');
		nonces.push(nonce);
	}

	t.not(nonces[0], nonces[1]);
	const script = await fetch(`${url}/playground/app.js`);
	t.is(script.headers.get('content-type'), 'text/javascript; charset=utf-8');
	t.is(await script.text(), 'console.log(1);');
	t.is((await fetch(`${url}/playground/other.js`)).status, 404);
}));

test('the bundled files carry a validator: an unchanged one is a 304, without its bytes', async t => withPage(true, async url => {
	const first = await fetch(`${url}/playground/app.js`);
	const etag = first.headers.get('etag');
	t.regex(etag ?? '', /^"[\w-]{27}"$/);
	t.is(first.headers.get('cache-control'), 'no-cache');
	t.deepEqual(await revalidate(`${url}/playground/app.js`, etag!), {status: 304, body: ''});
	t.deepEqual(await revalidate(`${url}/playground/app.js`, '"another"'), {status: 200, body: 'console.log(1);'});
	t.not((await fetch(`${url}/playground/app.css`)).headers.get('etag'), etag);
	// The page itself has a fresh nonce each time: never a 304.
	t.is((await fetch(`${url}/`)).headers.get('etag'), null);
}));

test('another method on the page\'s paths: OPTIONS lists what they take, the rest is a 405 saying it', async t => withPage(true, async url => {
	for (const file of ['/', '/playground/app.js']) {
		const options = await fetch(`${url}${file}`, {method: 'OPTIONS'});
		t.is(options.status, 200);
		t.is(options.headers.get('allow'), 'HEAD, GET');
		for (const method of ['POST', 'PUT', 'DELETE']) {
			const response = await fetch(`${url}${file}`, {method});
			t.is(response.status, 405, `${method} ${file}`);
			t.is(response.headers.get('allow'), 'HEAD, GET');
		}
	}
}));

test('turned off, the paths fall through to the API\'s 404', async t => withPage(false, async url => {
	t.is(await (await fetch(`${url}/`)).text(), 'next');
}));

test('the policy: nothing inline but styles with the nonce, nothing from elsewhere', t => {
	const policy = contentSecurityPolicy('abc');
	t.is(policy, "default-src 'none'; script-src 'self'; style-src 'self' 'nonce-abc'; connect-src 'self'; img-src 'self' data:; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
	t.notRegex(policy, /unsafe|\*/);
});
