// GET /metrics through the real server: Prometheus text, behind the token like the API, and counters that move
// with the requests sent.
import test from 'ava';
import {assertHostClean, example, startServer, waitFor, type RunningServer} from '../helpers/server.ts';
import {rawRequest} from '../helpers/raw-http.ts';
import {connect, refusedUpgrade} from '../helpers/ws-client.ts';

const token = 'metrics-test-token-0123456789';
let server: RunningServer;
test.before(async () => {
	server = await startServer({uidBase: 66_100, env: {C_RUNNER_TOKEN: token}});
});
test.after.always(async () => {
	await server?.stop();
});

const auth = {Authorization: `Bearer ${token}`};

async function scrape(): Promise<string> {
	const response = await fetch(`${server.url}/metrics`, {headers: auth});
	if (response.status !== 200) {
		throw new Error(`GET /metrics answered ${response.status}`);
	}

	return response.text();
}

/** One sample's value from the text format; 0 when the series is not there yet. */
function sample(text: string, name: string, labels = ''): number {
	const line = text.split('\n').find(candidate => candidate.startsWith(`${name}${labels === '' ? '' : `{${labels}}`} `));
	return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

const post = async (body: Record<string, unknown>) => fetch(`${server.url}/execute_c`, {method: 'POST', headers: {...auth, 'Content-Type': 'application/json'}, body: JSON.stringify(body)});

test.serial('needs the token when one is set, as the API does', async t => {
	const response = await fetch(`${server.url}/metrics`);
	t.is(response.status, 401);
});

test.serial('Prometheus text format, with every documented series', async t => {
	const response = await fetch(`${server.url}/metrics`, {headers: auth});
	t.is(response.status, 200);
	t.regex(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
	const text = await response.text();
	for (const name of ['c_runner_queue_depth', 'c_runner_jobs_in_flight', 'c_runner_job_slots', 'c_runner_judges_in_flight', 'c_runner_judges_queued', 'c_runner_compile_cache_bytes', 'c_runner_process_resident_memory_bytes']) {
		t.regex(text, new RegExp(`^${name} \\d`, 'm'), name);
	}

	t.is(sample(text, 'c_runner_job_slots'), 4);
});

test.serial('the counters move with the requests', async t => {
	const before = await scrape();
	const code = '#include <stdio.h>\nint main(void) { puts("counted"); return 0; }\n';
	t.is((await post({code})).status, 200);
	t.is((await post({code})).status, 200, 'again: a cache hit');
	t.is((await post({code, compiler: 'tcc'})).status, 200);
	t.is((await post({code: example('infinite-loop.c'), time_limit_ms: 100})).status, 200);
	t.is((await post({})).status, 400);
	const after = await scrape();
	const moved = (name: string, labels = '') => sample(after, name, labels) - sample(before, name, labels);

	t.is(moved('c_runner_http_requests_total', 'route="/execute_c",status="200"'), 4);
	t.is(moved('c_runner_http_requests_total', 'route="/execute_c",status="400"'), 1);
	t.is(moved('c_runner_compile_cache_hits_total'), 1);
	t.is(moved('c_runner_compile_cache_misses_total'), 3);
	t.is(moved('c_runner_compile_duration_seconds_count', 'language="c",compiler="gcc"'), 2, 'the hit ran no compiler');
	t.is(moved('c_runner_compile_duration_seconds_count', 'language="c",compiler="tcc"'), 1);
	t.is(moved('c_runner_run_duration_seconds_count', 'status="ok"'), 3);
	t.is(moved('c_runner_run_duration_seconds_count', 'status="time_limit"'), 1);
	t.is(moved('c_runner_limit_kills_total', 'kind="cpu_time"'), 1);
	t.is(moved('c_runner_sandbox_start_failures_total', 'step="run"'), 0);
	t.true(sample(after, 'c_runner_compile_cache_bytes') > 0);
	await assertHostClean(t, server);
});

test.serial('a client that leaves an event stream mid-judge counts as the 499 its log line says, not the 200 the stream began with', async t => {
	const before = await scrape();
	const code = '#include <stdio.h>\n#include <unistd.h>\nint main(void) { sleep(1); puts("a"); return 0; }\n';
	const controller = new AbortController();
	const response = await fetch(`${server.url}/judge_c`, {
		method: 'POST',
		headers: {...auth, 'Content-Type': 'application/json', Accept: 'text/event-stream'},
		body: JSON.stringify({code, testcases: Array.from({length: 6}, () => ({input: '', expected_output: 'a'}))}),
		signal: controller.signal,
	});
	t.is(response.status, 200);
	const reader = response.body!.getReader();
	// Once the first event has come, the stream has begun: then the client goes.
	await reader.read();
	controller.abort();
	t.true(await waitFor(() => server.logs.some(entry => entry['path'] === '/judge_c' && entry['status'] === 499), 30_000), 'logged as 499');
	const after = await scrape();
	const moved = (labels: string) => sample(after, 'c_runner_http_requests_total', labels) - sample(before, 'c_runner_http_requests_total', labels);
	t.is(moved('route="/judge_c",status="499"'), 1);
	t.is(moved('route="/judge_c",status="200"'), 0);
	await assertHostClean(t, server);
});

test.serial('a request refused before the router (no token, a method the route does not take) keeps its route label', async t => {
	const before = await scrape();
	t.is((await fetch(`${server.url}/execute_c`, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: '{}'})).status, 401);
	t.is((await fetch(`${server.url}/execute_c`, {headers: auth})).status, 405);
	t.is((await fetch(`${server.url}/no-such-route`, {headers: auth})).status, 404);
	const after = await scrape();
	const moved = (labels: string) => sample(after, 'c_runner_http_requests_total', labels) - sample(before, 'c_runner_http_requests_total', labels);
	t.is(moved('route="/execute_c",status="401"'), 1);
	t.is(moved('route="/execute_c",status="405"'), 1);
	t.is(moved('route="unmatched",status="404"'), 1, 'an unknown path adds no series of its own');
});

test.serial('requests answered before Koa (the parser refused them, an Expect, a CONNECT) are counted too, under two routes', async t => {
	const before = await scrape();
	t.is((await rawRequest(server.url, 'GET /health HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n')).status, 400);
	t.is((await rawRequest(server.url, `GET /health HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`)).status, 431);
	t.is((await rawRequest(server.url, 'POST /execute_c HTTP/1.1\r\nHost: localhost\r\nExpect: something\r\nContent-Length: 2\r\n\r\n{}')).status, 417);
	t.is((await rawRequest(server.url, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com\r\n\r\n')).status, 501);
	const after = await scrape();
	const moved = (labels: string) => sample(after, 'c_runner_http_requests_total', labels) - sample(before, 'c_runner_http_requests_total', labels);
	t.is(moved('route="unparsed",status="400"'), 1);
	t.is(moved('route="unparsed",status="431"'), 1);
	t.is(moved('route="unmatched",status="417"'), 1);
	t.is(moved('route="unmatched",status="501"'), 1);
});

test.serial('the playground\'s page and assets count under their own paths, not as unmatched', async t => {
	const before = await scrape();
	t.is((await fetch(`${server.url}/`)).status, 200);
	t.is((await fetch(`${server.url}/playground/app.js`)).status, 200);
	const after = await scrape();
	const moved = (labels: string) => sample(after, 'c_runner_http_requests_total', labels) - sample(before, 'c_runner_http_requests_total', labels);
	t.is(moved('route="/",status="200"'), 1);
	t.is(moved('route="/playground/app.js",status="200"'), 1);
	t.is(moved('route="unmatched",status="200"'), 0);
});

test.serial('a WebSocket upgrade to an unknown path is that path\'s 404 in the log and unmatched in the metrics, not an interactive session', async t => {
	const before = await scrape();
	const logged = server.logs.length;
	t.is((await refusedUpgrade(server, {token, path: '/no-such-socket'})).status, 404);
	const after = await scrape();
	const moved = (labels: string) => sample(after, 'c_runner_http_requests_total', labels) - sample(before, 'c_runner_http_requests_total', labels);
	t.is(moved('route="unmatched",status="404"'), 1);
	t.is(moved('route="/interactive",status="404"'), 0);
	// Its own line, not the first one after: the scrapes' lines may still be on their way.
	t.true(await waitFor(() => server.logs.slice(logged).some(entry => entry['status'] === 404), 10_000), 'the refused upgrade is logged');
	t.like(server.logs.slice(logged).find(entry => entry['status'] === 404), {path: '/no-such-socket', method: 'GET'});
});

test.serial('interactive sessions count as requests and runs, their limit stops too; their answers say whether the compile was cached', async t => {
	const before = await scrape();
	const code = '#include <stdio.h>\nint main(void) { puts("interactive, counted"); return 0; }\n';
	const exits = [];
	for (const sent of [{code}, {code}, {code: example('infinite-loop.c'), time_limit_ms: 100}]) {
		const client = connect(server, {token});
		await client.opened;
		client.send({type: 'start', ...sent});
		exits.push(await client.waitForType('exit'));
		await client.closed;
	}

	t.like(exits, [{status: 'ok', compile_cached: false}, {status: 'ok', compile_cached: true}, {status: 'time_limit', stopped_by: 'cpu_time'}]);
	t.is((await refusedUpgrade(server)).status, 401);
	// A session is counted once its socket has closed on the server's side too: a moment after the client's.
	let after = '';
	const moved = (name: string, labels = '') => sample(after, name, labels) - sample(before, name, labels);
	t.true(await waitFor(async () => {
		after = await scrape();
		return moved('c_runner_http_requests_total', 'route="/interactive",status="101"') === 3;
	}, 10_000), 'three sessions counted with status 101');
	t.is(moved('c_runner_http_requests_total', 'route="/interactive",status="401"'), 1);
	t.is(moved('c_runner_run_duration_seconds_count', 'status="ok"'), 2);
	t.is(moved('c_runner_run_duration_seconds_count', 'status="time_limit"'), 1);
	t.is(moved('c_runner_limit_kills_total', 'kind="cpu_time"'), 1);
	await assertHostClean(t, server);
});
