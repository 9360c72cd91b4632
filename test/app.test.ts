import http from 'node:http';
import zlib from 'node:zlib';
import test from 'ava';
import {programFromCode} from '../src/job/language.ts';
import {BusyError, JobRootError} from '../src/job/errors.ts';
import {recordingLogger, result, setup} from './helpers/fake-app.ts';
import {rawRequest} from './helpers/raw-http.ts';
import {revalidate} from './helpers/serve.ts';

const post = async (url: string, body: string, headers: Record<string, string> = {'Content-Type': 'application/json'}) =>
	fetch(`${url}/execute_c`, {method: 'POST', body, headers});

test('a valid request runs and answers 200 with the result and a request id', async t => {
	const {url, runner, close} = await setup();
	const response = await post(url, JSON.stringify({code: 'int main(){}', args: 'a "b c"', stdin: 'x'}));
	t.is(response.status, 200);
	t.deepEqual(await response.json(), result);
	t.regex(response.headers.get('x-request-id') ?? '', /^[\da-f-]{36}$/);
	t.deepEqual(runner.calls, [{program: programFromCode('int main(){}'), args: ['a', 'b c'], stdin: 'x', limits: {timeLimitMs: null, memoryLimitMb: null}}]);
	await close();
});

test('a sane client request id is echoed, an odd one replaced', async t => {
	const {url, close} = await setup();
	const good = await post(url, '{"code":"x"}', {'Content-Type': 'application/json', 'X-Request-Id': 'abc-123'});
	t.is(good.headers.get('x-request-id'), 'abc-123');
	const odd = await post(url, '{"code":"x"}', {'Content-Type': 'application/json', 'X-Request-Id': 'a b<script>'});
	t.not(odd.headers.get('x-request-id'), 'a b<script>');
	await close();
});

const rejects = test.macro(async (t, send: (url: string) => Promise<Response>, status: number, message: RegExp) => {
	const {url, runner, close} = await setup();
	const response = await send(url);
	t.is(response.status, status);
	t.regex(response.headers.get('content-type') ?? '', /application\/json/);
	const body = await response.json() as Record<string, unknown>;
	t.deepEqual(Object.keys(body), ['error']);
	t.regex(String(body['error']), message);
	t.truthy(response.headers.get('x-request-id'));
	t.deepEqual(runner.calls, [], 'nothing ran');
	await close();
});

test('contract: missing code', rejects, url => post(url, '{"invalid":"request"}'), 400, /^Missing required field: 'code'$/);
test('not JSON', rejects, url => post(url, '{"code": '), 400, /^Request body is not valid JSON$/);
test('JSON null', rejects, url => post(url, 'null'), 400, /^Request body must be a JSON object$/);
test('JSON array', rejects, url => post(url, '[{"code":"x"}]'), 400, /^Request body must be a JSON object$/);
test('JSON string', rejects, url => post(url, '"int main(){}"'), 400, /^Request body must be a JSON object$/);
test('empty body', rejects, url => post(url, ''), 400, /JSON object/);
test('code not a string', rejects, url => post(url, '{"code":1}'), 400, /^Field 'code' must be a string$/);
test('NUL in code', rejects, url => post(url, JSON.stringify({code: 'a\0'})), 400, /NUL/);
test('args of the wrong type', rejects, url => post(url, '{"code":"x","args":7}'), 400, /'args'/);
test('stdin of the wrong type', rejects, url => post(url, '{"code":"x","stdin":{}}'), 400, /'stdin'/);
test('text/plain', rejects, url => post(url, '{"code":"x"}', {'Content-Type': 'text/plain'}), 415, /application\/json/);
test('form encoded', rejects, url => post(url, 'code=x', {'Content-Type': 'application/x-www-form-urlencoded'}), 415, /application\/json/);
test('body over the limit', rejects, url => post(url, JSON.stringify({code: 'x'.repeat(5000)})), 413, /larger than 4096 bytes/);
test('a gzip body that is not gzip', rejects, url => post(url, 'not gzip', {'Content-Type': 'application/json', 'Content-Encoding': 'gzip'}), 400, /^Request body could not be decompressed/);
test('a gzip body cut short', rejects, url => post(url, zlib.gzipSync('{"code":"x"}').subarray(0, 12) as unknown as string, {'Content-Type': 'application/json', 'Content-Encoding': 'gzip'}), 400, /^Request body could not be decompressed/);
test('a deflate body that is not deflate', rejects, url => post(url, 'not deflate', {'Content-Type': 'application/json', 'Content-Encoding': 'deflate'}), 400, /^Request body could not be decompressed/);
test('a br body that is not brotli', rejects, url => post(url, 'not brotli at all', {'Content-Type': 'application/json', 'Content-Encoding': 'br'}), 400, /^Request body could not be decompressed/);
test('a body nested past the limit', rejects, url => post(url, `{"code":"x","a":${'['.repeat(33)}${']'.repeat(33)}}`), 400, /^Request body is nested more than 32 levels deep$/);
test('US-ASCII, the first 128 characters of UTF-8, is read as UTF-8', async t => {
	const {url, runner, close} = await setup();
	const response = await fetch(`${url}/execute_c`, {method: 'POST', body: '{"code":"x"}', headers: {'Content-Type': 'application/json; charset=US-ASCII'}});
	t.is(response.status, 200);
	t.is(runner.calls.length, 1);
	await close();
});
test('a charset other than UTF-8', rejects, url => post(url, '{"code":"x"}', {'Content-Type': 'application/json; charset=latin1'}), 415, /^Request body must be UTF-8 JSON \(Content-Type says charset=latin1\)$/);
test('a charset other than UTF-8 among malformed parameters', rejects, url => post(url, '{"code":"x"}', {'Content-Type': 'application/json; charset=latin1;'}), 415, /^Request body must be UTF-8 JSON \(Content-Type says charset=latin1\)$/);
test('a quoted charset other than UTF-8 before a stray parameter', rejects, url => post(url, '{"code":"x"}', {'Content-Type': 'application/json; Charset="ISO-8859-1"; q'}), 415, /^Request body must be UTF-8 JSON \(Content-Type says charset=ISO-8859-1\)$/);
test('unknown route', rejects, url => fetch(`${url}/nope`), 404, /^No route for GET \/nope$/);
test('wrong method', rejects, url => fetch(`${url}/execute_c`), 405, /GET \/execute_c/);

test('a method implemented nowhere: 501 on a known path, naming its methods; 404 on an unknown one', async t => {
	const {url, close} = await setup();
	const known = await fetch(`${url}/execute_c`, {method: 'PROPFIND'});
	t.is(known.status, 501);
	t.is(known.headers.get('allow'), 'POST');
	t.deepEqual(await known.json(), {error: 'Method not implemented: PROPFIND /execute_c'});
	const unknown = await fetch(`${url}/nope`, {method: 'PROPFIND'});
	t.is(unknown.status, 404);
	t.is(unknown.headers.get('allow'), null);
	t.deepEqual(await unknown.json(), {error: 'No route for PROPFIND /nope'});
	await close();
});

test('a POST with no body at all (no Content-Length, no Transfer-Encoding) is told the body is missing', async t => {
	const {url, runner, close} = await setup();
	const answer = await rawRequest(url, 'POST /execute_c HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n');
	t.is(answer.status, 400);
	t.deepEqual(JSON.parse(answer.body), {error: 'Request body must be a JSON object'});
	t.deepEqual(runner.calls, []);
	await close();
});

test('a gzip body that is gzip is read, whatever the case its Content-Encoding is written in', async t => {
	const {url, runner, close} = await setup();
	for (const encoding of ['gzip', 'GZIP', ' Gzip ']) {
		const response = await fetch(`${url}/execute_c`, {method: 'POST', body: zlib.gzipSync('{"code":"x"}'), headers: {'Content-Type': 'application/json', 'Content-Encoding': encoding}});
		t.is(response.status, 200, encoding);
	}

	t.is(runner.calls.length, 3);
	await close();
});

test('a __proto__ key is an unknown field like any other: dropped, never a prototype', async t => {
	const {url, runner, close} = await setup();
	const response = await post(url, '{"code":"int main(){}","__proto__":{"polluted":true},"args":"a"}');
	t.is(response.status, 200);
	// Spelt with escapes, it is the same name.
	const escaped = await post(url, '{"code":"int main(){}","\\u005f_proto__":{"polluted":true},"args":"a"}');
	t.is(escaped.status, 200);
	t.deepEqual(runner.calls, [1, 2].map(() => ({program: programFromCode('int main(){}'), args: ['a'], stdin: null, limits: {timeLimitMs: null, memoryLimitMb: null}})));
	t.is(({} as Record<string, unknown>)['polluted'], undefined);
	await close();
});

test('405 names the allowed methods', async t => {
	const {url, close} = await setup();
	const response = await fetch(`${url}/execute_c`, {method: 'PUT'});
	t.is(response.status, 405);
	t.is(response.headers.get('allow'), 'POST');
	await close();
});

test('an unexpected failure is a 500 with no detail', async t => {
	const {url, runner, close} = await setup();
	runner.behaviour = async () => {
		throw new Error('secret internal detail at /work/main/src');
	};

	const response = await post(url, '{"code":"x"}');
	t.is(response.status, 500);
	t.deepEqual(await response.json(), {error: 'Internal server error'});
	await close();
});

test('a full queue is a 503 with Retry-After', async t => {
	const {url, runner, close} = await setup();
	runner.behaviour = async () => {
		throw new BusyError('Server is busy');
	};

	const response = await post(url, '{"code":"x"}');
	t.is(response.status, 503);
	t.is(response.headers.get('retry-after'), '1');
	t.deepEqual(await response.json(), {error: 'Server is busy'});
	await close();
});

/** A file-system error as Node gives it, writing a job's file where the job root cannot take it. */
const fsError = (code: string, text: string) => Object.assign(new Error(`${code}: ${text}, open '/tmp/c_exec_x/source.c'`), {code, errno: -28, syscall: 'open'});

test('a job root that cannot take the job\'s files is a 503 with Retry-After, and the operator\'s log says why', async t => {
	const {logger, entries} = recordingLogger();
	const {url, runner, close} = await setup({logger});
	const failures: Array<[unknown, string]> = [
		[fsError('ENOSPC', 'no space left on device'), 'full (ENOSPC)'],
		[fsError('EDQUOT', 'disk quota exceeded'), 'full (EDQUOT)'],
		[fsError('EROFS', 'read-only file system'), 'read-only (EROFS)'],
		[new JobRootError('the job root is out of space: the compiler could not write the program', 'ld: final link failed: No space left on device', 'ENOSPC'), 'full (ENOSPC)'],
	];
	for (const [failure, state] of failures) {
		runner.behaviour = async () => {
			throw failure;
		};

		const response = await post(url, '{"code":"x"}');
		t.is(response.status, 503, state);
		t.is(response.headers.get('retry-after'), '5');
		t.deepEqual(await response.json(), {error: `Server cannot store the job's files now: its job root is ${state}; try again later`});
	}

	const logged = entries.filter(entry => entry['msg'] === 'the job root cannot take a job');
	t.deepEqual(logged.map(entry => entry['fsCode']), ['ENOSPC', 'EDQUOT', 'EROFS', 'ENOSPC']);
	t.is(logged[3]?.['detail'], 'ld: final link failed: No space left on device');
	t.regex(String(logged[0]?.['reqId']), /^[\da-f-]{36}$/, 'each names its request');
	// Any other file-system failure is the server's, unexplained: a bare 500, logged as such.
	runner.behaviour = async () => {
		throw fsError('EIO', 'i/o error');
	};

	const other = await post(url, '{"code":"x"}');
	t.is(other.status, 500);
	t.deepEqual(await other.json(), {error: 'Internal server error'});
	t.like(entries.find(entry => entry['msg'] === 'internal error'), {err: {message: 'EIO: i/o error, open \'/tmp/c_exec_x/source.c\'', errorCode: 'EIO'}}, 'its code shown, where the redaction of requests\' code fields took it');
	await close();
});

test('a long path is cut in the access log: a request makes one short line, whatever its request line', async t => {
	const {logger, entries} = recordingLogger();
	const {url, close} = await setup({logger});
	const long = `/${'a'.repeat(15_000)}`;
	t.is((await fetch(`${url}${long}`)).status, 404);
	t.is((await fetch(`${url}/submissions/${'b'.repeat(15_000)}`)).status, 404);
	const lines = entries.filter(entry => entry['msg'] === 'request done');
	t.deepEqual(lines.map(entry => entry['path']), [`/${'a'.repeat(255)}… (15001 characters)`, `/submissions/${'b'.repeat(243)}… (15013 characters)`]);
	t.true(lines.every(entry => JSON.stringify(entry).length < 1024));
	await close();
});

test('the access log counts a request\'s body bytes, with a Content-Length or chunked without one', async t => {
	const {logger, entries} = recordingLogger();
	const {url, close} = await setup({logger});
	try {
		const body = JSON.stringify({code: 'int main(void) { return 0; } // é'});
		const bytes = Buffer.byteLength(body);
		t.is((await post(url, body)).status, 200);
		const chunked = await fetch(`${url}/execute_c`, {
			method: 'POST',
			headers: {'Content-Type': 'application/json'},
			body: new ReadableStream({
				start(controller) {
					controller.enqueue(Buffer.from(body.slice(0, 10)));
					controller.enqueue(Buffer.from(body.slice(10)));
					controller.close();
				},
			}),
			duplex: 'half',
		} as RequestInit);
		t.is(chunked.status, 200);
		for (const deadline = Date.now() + 10_000; Date.now() < deadline && entries.filter(entry => entry['msg'] === 'request done').length < 2;) {
			await new Promise(resolve => setTimeout(resolve, 10));
		}

		t.deepEqual(entries.filter(entry => entry['msg'] === 'request done').map(entry => entry['requestBytes']), [bytes, bytes]);
	} finally {
		await close();
	}
});

test('with a token, every endpoint but /health needs it', async t => {
	const token = 'a-long-enough-secret';
	const {url, runner, close} = await setup({token});
	const missing = await post(url, '{"code":"x"}');
	t.is(missing.status, 401);
	t.is(missing.headers.get('www-authenticate'), 'Bearer');
	t.is((await post(url, '{"code":"x"}', {'Content-Type': 'application/json', Authorization: 'Bearer wrong'})).status, 401);
	t.is((await fetch(`${url}/nope`)).status, 401, 'routes are not revealed without the token');
	t.is((await fetch(`${url}/health`)).status, 200);
	// Spelt as the router still matches them, the public documents stay public.
	for (const spelling of ['/health/', '/HEALTH', '/openapi.json/', '/OpenAPI.json']) {
		t.is((await fetch(`${url}${spelling}`)).status, 200, spelling);
	}

	t.is((await fetch(`${url}/execute_c/`)).status, 401, 'and the others need the token however spelt');
	t.deepEqual(runner.calls, []);
	t.is((await post(url, '{"code":"x"}', {'Content-Type': 'application/json', Authorization: `Bearer ${token}`})).status, 200);
	await close();
});

test('Judge0\'s X-Auth-Token header carries the token too; a wrong one is refused', async t => {
	const token = 'a-long-enough-secret';
	const {url, close} = await setup({token});
	t.is((await post(url, '{"code":"x"}', {'Content-Type': 'application/json', 'X-Auth-Token': token})).status, 200);
	t.is((await post(url, '{"code":"x"}', {'Content-Type': 'application/json', 'X-Auth-Token': 'wrong-token-of-some-length'})).status, 401);
	t.is((await post(url, '{"code":"x"}', {'Content-Type': 'application/json', 'X-Auth-Token': ''})).status, 401);
	await close();
});

test('the bearer scheme is case-insensitive (RFC 7235); the token itself is not', async t => {
	const token = 'a-long-enough-secret';
	const {url, close} = await setup({token});
	for (const scheme of ['bearer', 'BEARER', 'BeArEr']) {
		t.is((await post(url, '{"code":"x"}', {'Content-Type': 'application/json', Authorization: `${scheme} ${token}`})).status, 200, scheme);
	}

	t.is((await post(url, '{"code":"x"}', {'Content-Type': 'application/json', Authorization: `Bearer ${token.toUpperCase()}`})).status, 401);
	t.is((await post(url, '{"code":"x"}', {'Content-Type': 'application/json', Authorization: `Basic ${token}`})).status, 401);
	await close();
});

test('/health is 200 when the self-test passes and 503 when it fails', async t => {
	const good = await setup();
	t.is((await fetch(`${good.url}/health`)).status, 200);
	await good.close();
	const bad = await setup({health: 'failing'});
	const response = await fetch(`${bad.url}/health`);
	t.is(response.status, 503);
	t.like(await response.json(), {status: 'failing', self_test: {problem: 'broken'}});
	await bad.close();
});

test('a client that disconnects cancels its job', async t => {
	const {url, runner, close} = await setup();
	const aborted = new Promise<unknown>(resolve => {
		runner.behaviour = async signal => new Promise((_resolve, reject) => {
			signal.addEventListener('abort', () => {
				resolve(signal.reason);
				reject(signal.reason);
			});
		});
	});
	const request = http.request(`${url}/execute_c`, {method: 'POST', headers: {'Content-Type': 'application/json'}});
	request.on('error', () => {});
	request.end('{"code":"x"}');
	while (runner.calls.length === 0) {
		await new Promise(resolve => setTimeout(resolve, 10));
	}

	request.destroy();
	const reason = await aborted;
	t.is((reason as Error).name, 'ClientGoneError');
	await close();
});

test('GET /openapi.json serves the OpenAPI document, with no token needed', async t => {
	const {url, close} = await setup({token: 'a-token-of-16-chars-or-more'});
	const response = await fetch(`${url}/openapi.json`);
	t.is(response.status, 200);
	t.like(await response.json(), {openapi: '3.1.0', info: {title: 'c-runner'}});
	const etag = response.headers.get('etag');
	t.regex(etag ?? '', /^"[\w-]{27}"$/, 'a validator: the document does not change while the server runs');
	t.deepEqual(await revalidate(`${url}/openapi.json`, etag!), {status: 304, body: ''}, 'a client that has it gets no second copy');
	t.is((await fetch(`${url}/execute_c`, {method: 'POST'})).status, 401, 'other endpoints still need it');
	await close();
});

// Piston's route: its clients read every refusal as {message}, and post JSON with any Content-Type or none.
const piston = async (url: string, body: string | Buffer, headers: Record<string, string> = {}) => {
	const response = await fetch(`${url}/api/v2/execute`, {method: 'POST', body, headers});
	return {status: response.status, retryAfter: response.headers.get('retry-after'), body: await response.json() as Record<string, unknown>};
};
const pistonBody = JSON.stringify({language: 'c', version: '*', files: [{content: 'int main(void) { return 0; }'}]});

test('Piston: the body is JSON whatever its Content-Type says, or with none', async t => {
	const {url, runner, close} = await setup();
	for (const contentType of [undefined, 'application/x-www-form-urlencoded', 'application/octet-stream', 'text/plain', 'application/json']) {
		const {status} = await piston(url, pistonBody, contentType === undefined ? {} : {'Content-Type': contentType});
		t.is(status, 200, String(contentType));
	}

	t.is(runner.calls.length, 5);
	await close();
});

test('Piston: a bad body, a body too large, one that does not decompress, a full server: {message}', async t => {
	const {url, runner, close} = await setup();
	t.deepEqual(await piston(url, '{"language": '), {status: 400, retryAfter: null, body: {message: 'Request body is not valid JSON'}});
	t.like(await piston(url, JSON.stringify({language: 'c', files: [{content: 'x'.repeat(5000)}]})), {status: 413, body: {message: 'Request body is larger than 4096 bytes'}});
	t.like(await piston(url, 'not gzip', {'Content-Encoding': 'gzip'}), {status: 400, body: {message: 'Request body could not be decompressed: it is not what its Content-Encoding says'}});
	t.deepEqual(runner.calls, []);
	runner.behaviour = async () => {
		throw new BusyError('Server is busy: all job slots and the queue are full; retry later', 1);
	};

	t.deepEqual(await piston(url, pistonBody), {status: 503, retryAfter: '1', body: {message: 'Server is busy: all job slots and the queue are full; retry later'}});
	await close();
});

test('Piston and Judge0: a job root that cannot take the job\'s files is their 503 or Internal Error, with the reason, logged', async t => {
	const {logger, entries} = recordingLogger();
	const {url, runner, submissions, close} = await setup({logger});
	runner.behaviour = async () => {
		throw fsError('ENOSPC', 'no space left on device');
	};

	const reason = 'Server cannot store the job\'s files now: its job root is full (ENOSPC); try again later';
	t.deepEqual(await piston(url, pistonBody), {status: 503, retryAfter: '5', body: {message: reason}});
	const created = await fetch(`${url}/submissions`, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({source_code: 'int main(void) { return 0; }', language_id: 50})});
	const {token} = await created.json() as {token: string};
	await submissions.drain();
	const stored = await (await fetch(`${url}/submissions/${token}?fields=status,message`)).json() as Record<string, unknown>;
	t.like(stored, {status: {id: 13, description: 'Internal Error'}});
	t.regex(String(stored['message']), /job root is full \(ENOSPC\)/);
	t.deepEqual(entries.filter(entry => entry['msg'] === 'the job root cannot take a job').map(entry => entry['fsCode']), ['ENOSPC', 'ENOSPC'], 'both logged');
	t.true(entries.some(entry => entry['token'] === token), 'the submission\'s entry names its token');
	await close();
});

test('Judge0: a stored submission that finds the job queue full waits In Queue and runs, never an Internal Error', async t => {
	const {url, runner, submissions, close} = await setup();
	// Refused as busy until the test has seen the submission In Queue (a slow machine sees it however late it looks).
	let refusals = 0;
	let seen = false;
	runner.behaviour = async () => {
		if (!seen) {
			refusals++;
			throw new BusyError('Server is busy: all job slots and the queue are full; retry later', 1);
		}

		return result;
	};

	const created = await fetch(`${url}/submissions`, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({source_code: 'int main(void) { return 0; }', language_id: 50})});
	t.is(created.status, 201);
	const {token} = await created.json() as {token: string};
	const status = async () => (await (await fetch(`${url}/submissions/${token}?fields=status`)).json() as {status: {id: number; description: string}}).status;
	let inQueue = false;
	for (const deadline = Date.now() + 10_000; !inQueue && Date.now() < deadline;) {
		inQueue = refusals > 0 && (await status()).id === 1;
	}

	t.true(inQueue, 'In Queue while the server is full');
	seen = true;
	await submissions.drain();
	t.deepEqual(await status(), {id: 3, description: 'Accepted'});
	t.is(runner.calls.length, refusals + 1, 'asked again after each refusal, then run');
	await close();
});
