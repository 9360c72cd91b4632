import test from 'ava';
import Koa from 'koa';
import type {AppState} from '../../src/http/context.ts';
import {openEventStream} from '../../src/http/event-stream.ts';
import {serve} from '../helpers/serve.ts';

async function streamed(heartbeatMs: number, write: (stream: ReturnType<typeof openEventStream>) => Promise<void>) {
	const app = new Koa<AppState>();
	app.use(async ctx => {
		const stream = openEventStream(ctx, heartbeatMs, 5000);
		await write(stream);
		stream.end();
	});
	const server = await serve(app);
	try {
		const response = await fetch(server.url);
		return {headers: response.headers, text: await response.text()};
	} finally {
		await server.close();
	}
}

test('events: one `event:` line and one `data:` line of JSON each, newlines escaped; the stream headers', async t => {
	const {headers, text} = await streamed(60_000, async stream => {
		stream.send('compile', {status: 'ok', warnings: 'line 1\nline 2'});
		stream.send('summary', {passed: true});
	});
	t.is(headers.get('content-type'), 'text/event-stream; charset=utf-8');
	t.is(headers.get('cache-control'), 'no-cache, no-transform');
	t.is(headers.get('x-accel-buffering'), 'no');
	t.is(text, 'event: compile\ndata: {"status":"ok","warnings":"line 1\\nline 2"}\n\nevent: summary\ndata: {"passed":true}\n\n');
});

test('a quiet stream gets keep-alive comments; nothing is written after the end', async t => {
	const {text} = await streamed(20, async stream => {
		await new Promise(resolve => setTimeout(resolve, 110));
		stream.send('summary', {});
		stream.end();
		stream.send('late', {});
	});
	t.true((text.match(/^: keep-alive$/gm) ?? []).length >= 2, text);
	t.notRegex(text, /late/);
});
