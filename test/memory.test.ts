// What keeps the server small: it never loads Node's bundled fetch and WebSocket client (undici, 13–18 MiB of RSS
// in a fresh process) whatever it answers. Two ways it would: an ESM import of node:http (src/http/required.ts) and a
// body handed to Koa as an object (setJson in src/http/send.ts). A module preloaded into the real server says at its
// exit whether undici was loaded; the same module in a process that loads it says so, so the check can fail.
import {spawnSync} from 'node:child_process';
import test from 'ava';
import {execute, startServer} from './helpers/server.ts';

const probe = `data:text/javascript,${encodeURIComponent("process.on('exit', () => process.stderr.write(`undici loaded: ${process.moduleLoadList.some(entry => entry.includes('undici'))}\\n`));")}`;

test('the probe sees undici loaded when it is (new Headers(), a fetch global)', t => {
	const loaded = spawnSync(process.execPath, [`--import=${probe}`, '-e', 'new Headers()'], {encoding: 'utf8'});
	t.regex(loaded.stderr, /^undici loaded: true$/m);
	const not = spawnSync(process.execPath, [`--import=${probe}`, '-e', "require('node:http').createServer()"], {encoding: 'utf8'});
	t.regex(not.stderr, /^undici loaded: false$/m);
});

test('the server answers every kind of route without loading undici', async t => {
	const server = await startServer({uidBase: 67_700, env: {NODE_OPTIONS: `--import=${probe}`}});
	// Each answer read to its end: an unread one (the event stream) would hold its connection, and the stop, open.
	const status = async (answer: Promise<Response>) => {
		const response = await answer;
		await response.arrayBuffer();
		return response.status;
	};
	const get = async (path: string) => status(fetch(`${server.url}${path}`));
	const post = async (path: string, body: string, headers: Record<string, string> = {'Content-Type': 'application/json'}) => status(fetch(`${server.url}${path}`, {method: 'POST', headers, body}));
	const hello = '#include <stdio.h>\nint main(void) { puts("hi"); return 0; }';
	t.is((await execute(server, {code: hello})).body['output'], 'hi\n');
	t.is((await execute(server, {code: 'int main(void) { return *(volatile int *)0; }'})).body['status'], 'signalled');
	t.is(await post('/judge_c', JSON.stringify({code: hello, testcases: [{input: '', output: 'hi'}]})), 200);
	t.is(await post('/judge_c', JSON.stringify({code: hello, testcases: [{input: '', output: 'hi'}]}), {'Content-Type': 'application/json', Accept: 'text/event-stream'}), 200);
	t.is(await post('/execute_c', '{"code": '), 400, 'an error answer: {error}');
	t.is(await post('/execute_c', 'code', {'Content-Type': 'text/plain'}), 415);
	t.is(await get('/no-such-route'), 404);
	t.is(await get('/health'), 200);
	t.is(await get('/openapi.json'), 200);
	t.is(await get('/metrics'), 200);
	t.is(await get('/'), 200, 'the playground page');
	t.is(await get('/api/v2/runtimes'), 200);
	t.is(await post('/api/v2/execute', JSON.stringify({language: 'c', version: '*', files: [{content: hello}]})), 200);
	t.is(await get('/languages'), 200);
	t.is(await post('/submissions?wait=true', JSON.stringify({source_code: hello, language_id: 50})), 201);
	t.deepEqual(await server.stop(), {code: 0, signal: null});
	t.regex(server.stderr(), /^undici loaded: false$/m);
});
