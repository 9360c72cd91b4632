import http from 'node:http';
import {Writable} from 'node:stream';
import Koa from 'koa';
import test from 'ava';
import {pino} from 'pino';
import {RequestsInFlight, requestContext, type AppState} from '../../src/http/context.ts';

test('a request is in flight until its access-log line is written, whether it is answered or its client goes away', async t => {
	const lines: string[] = [];
	const logger = pino(new Writable({
		write(chunk: Buffer, _encoding, done) {
			lines.push(chunk.toString());
			done();
		},
	}));
	const inFlight = new RequestsInFlight();
	let release!: () => void;
	const held = new Promise<void>(resolve => {
		release = resolve;
	});
	const app = new Koa<AppState>();
	app.use(requestContext(logger, undefined, inFlight));
	app.use(async ctx => {
		await held;
		ctx.body = 'done';
	});
	const server = http.createServer(app.callback()).listen(0, '127.0.0.1');
	try {
		await new Promise(resolve => server.once('listening', resolve));
		const {port} = server.address() as {port: number};
		const answered = fetch(`http://127.0.0.1:${port}/answered`);
		const controller = new AbortController();
		const cut = fetch(`http://127.0.0.1:${port}/cut`, {signal: controller.signal}).catch(() => null);
		while (inFlight.count < 2) {
			await new Promise(resolve => setTimeout(resolve, 10));
		}

		controller.abort();
		await cut;
		let idle = false;
		const idleNow = inFlight.idle(10_000).then(() => {
			idle = true;
		});
		await new Promise(resolve => setTimeout(resolve, 100));
		t.false(idle, 'both are still being handled');
		release();
		await (await answered).text();
		await idleNow;
		t.is(inFlight.count, 0);
		const logged = lines.map(line => JSON.parse(line) as Record<string, unknown>);
		t.deepEqual(logged.map(entry => `${String(entry['path'])} ${String(entry['status'])}`).sort(), ['/answered 200', '/cut 499']);
	} finally {
		server.close();
	}
});

test('idle() gives up after its time-out: a stop is never held for good by a request that does not end', async t => {
	const inFlight = new RequestsInFlight();
	inFlight.enter();
	const started = performance.now();
	await inFlight.idle(100);
	t.true(performance.now() - started >= 90);
	t.is(inFlight.count, 1);
});
