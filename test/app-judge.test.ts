// POST /judge_c at the HTTP layer, with a fake runner: validation, the JSON answer and the event stream.
import test from 'ava';
import {programFromCode} from '../src/job/language.ts';
import {BusyError, JobRootError} from '../src/job/errors.ts';
import type {TestResult} from '../src/judge/verdict.ts';
import {judgeResult, recordingLogger, setup} from './helpers/fake-app.ts';
import {allEvents, postEventStream} from './helpers/sse.ts';

const code = 'int main(void) { return 0; }';
const post = async (url: string, body: unknown) =>
	fetch(`${url}/judge_c`, {method: 'POST', body: JSON.stringify(body), headers: {'Content-Type': 'application/json'}});

const testResult = (index: number): TestResult => ({
	index, id: index, worker_id: 'w', passed: true, verdict: 'AC', actual_output: '', output_truncated: false, error: '', error_truncated: false,
	time: '1ms', memory: '1.0MB', time_ms: 1, cpu_ms: 0, memory_kb: 1024, exit_code: 0, signal: null, status: 'ok', checker_message: null,
});

test('a valid request is judged and answered as JSON', async t => {
	const {url, runner, close} = await setup();
	const response = await post(url, {code, testcases: [{id: 0, input: '5\n', output: '10'}]});
	t.is(response.status, 200);
	t.deepEqual(await response.json(), judgeResult);
	t.deepEqual(runner.judgeCalls, [{program: programFromCode(code), tests: [{id: 0, input: '5\n', expected: '10'}], limits: {timeLimitMs: null, memoryLimitMb: null}, compare: {mode: 'trim'}, checker: null, stopOnFirstFailure: false, ignoredFields: []}]);
	await close();
});

test('bad input is a 400 and nothing runs', async t => {
	const {url, runner, close} = await setup();
	for (const body of [{code}, {code, testcases: []}, {code, testcases: [{output: ''}, {output: ''}, {output: ''}, {output: ''}]}, {code, testcases: [{input: 'x'.repeat(17), output: ''}]}, {code, testcases: [{input: 1, output: ''}]}]) {
		const response = await post(url, body);
		t.is(response.status, 400, JSON.stringify(body));
		t.is(typeof (await response.json() as {error: unknown}).error, 'string');
	}

	const wrongType = await fetch(`${url}/judge_c`, {method: 'POST', body: '{}', headers: {'Content-Type': 'text/plain'}});
	t.is(wrongType.status, 415);
	t.deepEqual(runner.judgeCalls, []);
	await close();
});

test('POST /submit is Turbo\'s route: the same judge, language required, other languages a 400 naming what is supported', async t => {
	const {url, runner, close} = await setup();
	const submit = async (body: unknown) => fetch(`${url}/submit`, {method: 'POST', body: JSON.stringify(body), headers: {'Content-Type': 'application/json'}});
	const ok = await submit({user_id: 'student_123', language: 'c', code, testcases: [{id: 0, input: '5\n', output: '10'}]});
	t.is(ok.status, 200);
	t.deepEqual(await ok.json(), judgeResult);
	t.like(runner.judgeCalls[0], {program: {files: [{name: 'source.c', content: code}]}, ignoredFields: ['user_id']});
	for (const language of ['python', 'java', 'rust', undefined]) {
		const refused = await submit({user_id: 'u', language, code, testcases: [{id: 0, input: '', output: ''}]});
		t.is(refused.status, 400, String(language));
		t.regex((await refused.json() as {error: string}).error, /^Field 'language' must be one of: "c", "cpp" \(got .+\)$/);
	}

	t.is(runner.judgeCalls.length, 1);
	const cpp = await submit({user_id: 'u', language: 'cpp', code: 'int main() {}', testcases: [{id: 0, input: '', output: ''}]});
	t.is(cpp.status, 200, 'Turbo\'s "cpp" is C++');
	t.like(runner.judgeCalls[1], {program: {options: {language: 'cpp'}, files: [{name: 'source.cpp'}]}});
	await close();
});

test('the stream sends each event as it happens: compile, results, summary', async t => {
	const {url, runner, close} = await setup();
	let releaseSecond!: () => void;
	const secondMayFinish = new Promise<void>(resolve => {
		releaseSecond = resolve;
	});
	runner.judgeBehaviour = async (_signal, listener) => {
		listener.admitted?.();
		listener.compiled?.({status: 'ok', warnings: '', error: null});
		listener.result?.(testResult(1));
		await secondMayFinish;
		listener.result?.(testResult(0));
		return {...judgeResult, results: [testResult(0), testResult(1)], summary: {passed: 2, total: 2, first_failure: null}};
	};

	const stream = await postEventStream(`${url}/judge_c`, {code, testcases: [{output: ''}, {output: ''}]});
	t.is(stream.status, 200);
	t.regex(String(stream.headers['content-type']), /^text\/event-stream/);
	t.is(stream.headers['cache-control'], 'no-cache, no-transform');
	t.truthy(stream.headers['x-request-id']);
	t.like(await stream.next(), {event: 'compile', data: {status: 'ok'}});
	// The runner is still held: this event can only have come while the judge was running.
	t.like(await stream.next(), {event: 'result', data: {index: 1}});
	releaseSecond();
	t.like(await stream.next(), {event: 'result', data: {index: 0}});
	const summary = await stream.next();
	t.is(summary?.event, 'summary');
	t.like(summary?.data, {passed: true, summary: {passed: 2, total: 2}});
	t.is(await stream.next(), null, 'the stream ends after the summary');
	await close();
});

test('the access log counts the bytes an event stream sent', async t => {
	const {logger, entries} = recordingLogger();
	const {url, close} = await setup({logger});
	try {
		const response = await fetch(`${url}/judge_c`, {method: 'POST', headers: {'Content-Type': 'application/json', Accept: 'text/event-stream'}, body: JSON.stringify({code, testcases: [{output: ''}]})});
		const sent = (await response.arrayBuffer()).byteLength;
		t.true(sent > 100, `${sent} bytes`);
		// The line is written once the handler returns, perhaps a moment after the client has read the end.
		for (let tries = 0; tries < 100 && !entries.some(entry => entry['msg'] === 'request done'); tries++) {
			await new Promise(resolve => setTimeout(resolve, 10));
		}

		t.like(entries.find(entry => entry['msg'] === 'request done'), {path: '/judge_c', status: 200, responseBytes: sent});
	} finally {
		await close();
	}
});

test('refused before the stream begins (a full queue): an ordinary 503, not a stream', async t => {
	const {url, runner, close} = await setup();
	runner.judgeBehaviour = async () => {
		throw new BusyError('Server is busy');
	};

	const stream = await postEventStream(`${url}/judge_c`, {code, testcases: [{output: ''}]});
	t.is(stream.status, 503);
	t.is(stream.headers['retry-after'], '1');
	t.deepEqual(stream.body, {error: 'Server is busy'});
	await close();
});

test('a failure after the stream began is an error event with no detail, then the end', async t => {
	const {url, runner, close} = await setup();
	runner.judgeBehaviour = async (_signal, listener) => {
		listener.admitted?.();
		listener.compiled?.({status: 'ok', warnings: '', error: null});
		throw new Error('secret detail');
	};

	const events = await allEvents(await postEventStream(`${url}/judge_c`, {code, testcases: [{output: ''}]}));
	t.deepEqual(events.map(event => [event.event, event.data]), [
		['compile', {status: 'ok', warnings: '', error: null}],
		['error', {error: 'Internal server error'}],
	]);
	await close();
});

test('a failure told in-band is logged with the status it would have had before the stream (the stream\'s own is 200)', async t => {
	const {logger, entries} = recordingLogger();
	const {url, runner, close} = await setup({logger});
	try {
		for (const [failure, status] of [[new JobRootError('the job root is out of space', '', 'ENOSPC'), 503], [new Error('secret detail'), 500]] as const) {
			runner.judgeBehaviour = async (_signal, listener) => {
				listener.admitted?.();
				throw failure;
			};

			const stream = await postEventStream(`${url}/judge_c`, {code, testcases: [{output: ''}]});
			t.is(stream.status, 200);
			t.is((await allEvents(stream)).at(-1)?.event, 'error');
			for (const deadline = Date.now() + 10_000; Date.now() < deadline && !entries.some(entry => entry['msg'] === 'request done' && entry['status'] === status);) {
				await new Promise(resolve => setTimeout(resolve, 10));
			}

			t.true(entries.some(entry => entry['msg'] === 'request done' && entry['path'] === '/judge_c' && entry['status'] === status), `logged ${status}`);
		}
	} finally {
		await close();
	}
});

test('a quiet stream gets keep-alive comments', async t => {
	const {url, runner, close} = await setup({heartbeatMs: 20});
	runner.judgeBehaviour = async (_signal, listener) => {
		listener.admitted?.();
		// Long enough for several heartbeats even when the event loop is starved by other test files.
		await new Promise(resolve => setTimeout(resolve, 400));
		return judgeResult;
	};

	const stream = await postEventStream(`${url}/judge_c`, {code, testcases: [{output: ''}]});
	t.is((await stream.next())?.event, 'summary');
	t.true(stream.comments >= 2, `${stream.comments} comments`);
	await close();
});

test('a client that leaves the stream cancels the judge', async t => {
	const {url, runner, close} = await setup();
	let cancelled!: (reason: unknown) => void;
	const cancellation = new Promise(resolve => {
		cancelled = resolve;
	});
	runner.judgeBehaviour = async (signal, listener) => {
		listener.admitted?.();
		listener.result?.(testResult(0));
		return new Promise((_resolve, reject) => {
			signal.addEventListener('abort', () => {
				cancelled(signal.reason);
				reject(signal.reason);
			});
		});
	};

	const stream = await postEventStream(`${url}/judge_c`, {code, testcases: [{output: ''}, {output: ''}]});
	t.is((await stream.next())?.event, 'result');
	stream.close();
	t.is((await cancellation as Error).name, 'ClientGoneError');
	await close();
});
