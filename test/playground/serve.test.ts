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

async function served(enabled: boolean, dir: string) {
	const app = new Koa();
	app.use(playground(enabled, dir));
	app.use(async ctx => {
		ctx.status = 404;
		ctx.body = 'next';
	});
	return serve(app);
}

test('the page, with a fresh nonce in its policy and its markup each time', async t => {
	const dir = builtPage();
	const server = await served(true, dir);
	try {
		const nonces = [];
		for (let i = 0; i < 2; i++) {
			const response = await fetch(`${server.url}/`);
			t.is(response.status, 200);
			t.is(response.headers.get('content-type'), 'text/html; charset=utf-8');
			const nonce = /'nonce-([^']+)'/.exec(response.headers.get('content-security-policy') ?? '')?.[1];
			t.truthy(nonce);
			t.is(await response.text(), `<meta name="c-runner-style-nonce" content="${nonce}">`);
			t.is(response.headers.get('x-content-type-options'), 'nosniff');
			nonces.push(nonce);
		}

		t.not(nonces[0], nonces[1]);
		const script = await fetch(`${server.url}/playground/app.js`);
		t.is(script.headers.get('content-type'), 'text/javascript; charset=utf-8');
		t.is(await script.text(), 'console.log(1);');
		t.is((await fetch(`${server.url}/playground/other.js`)).status, 404);
	} finally {
		await server.close();
		fs.rmSync(dir, {recursive: true});
	}
});

test('the bundled files carry a validator: an unchanged one is a 304, without its bytes', async t => {
	const dir = builtPage();
	const server = await served(true, dir);
	try {
		const first = await fetch(`${server.url}/playground/app.js`);
		const etag = first.headers.get('etag');
		t.regex(etag ?? '', /^"[\w-]{27}"$/);
		t.is(first.headers.get('cache-control'), 'no-cache');
		t.deepEqual(await revalidate(`${server.url}/playground/app.js`, etag!), {status: 304, body: ''});
		t.deepEqual(await revalidate(`${server.url}/playground/app.js`, '"another"'), {status: 200, body: 'console.log(1);'});
		t.not((await fetch(`${server.url}/playground/app.css`)).headers.get('etag'), etag);
		// The page itself has a fresh nonce each time: never a 304.
		t.is((await fetch(`${server.url}/`)).headers.get('etag'), null);
	} finally {
		await server.close();
		fs.rmSync(dir, {recursive: true});
	}
});

test('another method on the page\'s paths: OPTIONS lists what they take, the rest is a 405 saying it', async t => {
	const dir = builtPage();
	const server = await served(true, dir);
	try {
		for (const file of ['/', '/playground/app.js']) {
			const options = await fetch(`${server.url}${file}`, {method: 'OPTIONS'});
			t.is(options.status, 200);
			t.is(options.headers.get('allow'), 'HEAD, GET');
			for (const method of ['POST', 'PUT', 'DELETE']) {
				const response = await fetch(`${server.url}${file}`, {method});
				t.is(response.status, 405, `${method} ${file}`);
				t.is(response.headers.get('allow'), 'HEAD, GET');
			}
		}
	} finally {
		await server.close();
		fs.rmSync(dir, {recursive: true, force: true});
	}
});

test('turned off, the paths fall through to the API\'s 404', async t => {
	const dir = builtPage();
	const server = await served(false, dir);
	try {
		t.is(await (await fetch(`${server.url}/`)).text(), 'next');
	} finally {
		await server.close();
		fs.rmSync(dir, {recursive: true});
	}
});

test('the policy: nothing inline but styles with the nonce, nothing from elsewhere', t => {
	const policy = contentSecurityPolicy('abc');
	t.is(policy, "default-src 'none'; script-src 'self'; style-src 'self' 'nonce-abc'; connect-src 'self'; img-src 'self' data:; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
	t.notRegex(policy, /unsafe|\*/);
});
