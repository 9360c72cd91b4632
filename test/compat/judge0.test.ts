import test from 'ava';
import {encode64, judge0ConfigInfo, Judge0FieldError, judge0Attributes, judge0Outcome, judge0Statuses, parseJudge0Submission, pickFields, SubmissionStore, type StoredSubmission} from '../../src/compat/judge0.ts';
import {AppError} from '../../src/http/errors.ts';
import {Judge0Jobs} from '../../src/compat/routes.ts';
import {programFromCode} from '../../src/job/language.ts';
import type {ExecuteResult} from '../../src/job/result.ts';
import type {Runner} from '../../src/runner.ts';
import {pino} from 'pino';
import {executeResult} from '../helpers/results.ts';
import {toRunResult} from '../../src/job/result.ts';
import {withinResponseBytes} from '../../src/job/run-job.ts';
import {strongestPolicy} from '../../src/sandbox/profiles.ts';
import type {HelperReport} from '../../src/sandbox/report.ts';

const rules = {maxCpuMs: 10_000, maxWallMs: 21_000, maxMemoryMb: 1024, fileSizeMb: 16, stackMb: 8, processes: 63};
const hello = '#include <stdio.h>\n\nint main(void) {\n  char name[10];\n  scanf("%s", name);\n  printf("hello, %s\\n", name);\n  return 0;\n}';

const refusedWith = test.macro((t, body: unknown, fields: Record<string, string[]>) => {
	const error = t.throws(() => parseJudge0Submission(body, false, rules), {instanceOf: Judge0FieldError});
	t.deepEqual(error?.fields, fields);
});

test('a missing language_id: 422 "can\'t be blank" (Judge0\'s documented answer)', refusedWith, {source_code: hello}, {language_id: ['can\'t be blank']});
test('a source of white space alone is blank, as Rails\' presence check finds it', refusedWith, {source_code: '  \n\t', language_id: 50}, {source_code: ['can\'t be blank']});
test('a language_id neither a number nor a string of digits does not exist', refusedWith, {source_code: hello, language_id: [50]}, {language_id: ['language with id [50] doesn\'t exist']});
test('a language_id in hexadecimal does not exist', refusedWith, {source_code: hello, language_id: '0x32'}, {language_id: ['language with id 0x32 doesn\'t exist']});
test('a language_id in exponent notation does not exist', refusedWith, {source_code: hello, language_id: '5e1'}, {language_id: ['language with id 5e1 doesn\'t exist']});
test('an unknown language_id: Judge0\'s documented message', refusedWith, {source_code: hello, language_id: 150_000, stdin: 'world', expected_output: 'hello, world'}, {language_id: ['language with id 150000 doesn\'t exist']});
test('a CPU time limit past the server\'s maximum', refusedWith, {source_code: hello, language_id: 50, cpu_time_limit: 11}, {cpu_time_limit: ['must be less than or equal to 10']});
test('what c-runner does not offer is refused by name', refusedWith, {source_code: hello, language_id: 50, enable_network: true, callback_url: 'http://example.test/hook', number_of_runs: 3, compiler_options: '-fsanitize=address'}, {
	enable_network: ['cannot be enabled: c-runner sandboxes have no network'],
	callback_url: ['is not supported by c-runner: poll GET /submissions/{token} instead'],
	number_of_runs: ['must be 1: c-runner runs a submission once'],
	compiler_options: ['may only hold -std=... and -O0, -O1, -O2, -O3, -Os (c-runner passes no other flag); got "-fsanitize=address"'],
});

test('compiler_options naming a flag with its argument: the flag is named, not the argument', refusedWith, {source_code: hello, language_id: 50, compiler_options: '-std=c11 -x c++'}, {
	compiler_options: ['may only hold -std=... and -O0, -O1, -O2, -O3, -Os (c-runner passes no other flag); got "-x"'],
});

test('booleans as Rails casts them: "true" is true, "0" false; any other value refused, never taken as false', t => {
	const redirect = (value: unknown) => parseJudge0Submission({source_code: hello, language_id: 50, redirect_stderr_to_stdout: value}, false, rules).redirectStderrToStdout;
	t.true(redirect('true'));
	t.true(redirect(1));
	t.true(redirect('T'));
	t.false(redirect('false'));
	t.false(redirect('0'));
	t.false(redirect(null));
	t.false(redirect(false));
	for (const value of ['yes', 2, [], {}]) {
		const error = t.throws(() => parseJudge0Submission({source_code: hello, language_id: 50, redirect_stderr_to_stdout: value}, false, rules), {instanceOf: Judge0FieldError});
		t.deepEqual(error?.fields, {redirect_stderr_to_stdout: ['must be true or false']}, JSON.stringify(value));
	}
});

test('options c-runner cannot turn on are refused when sent true, however spelled; false is taken', refusedWith, {
	source_code: hello, language_id: 50, enable_network: 'true', enable_per_process_and_thread_time_limit: 1, enable_per_process_and_thread_memory_limit: true,
}, {
	enable_network: ['cannot be enabled: c-runner sandboxes have no network'],
	enable_per_process_and_thread_time_limit: ['cannot be enabled: c-runner\'s CPU time limit is over the whole job'],
	enable_per_process_and_thread_memory_limit: ['cannot be enabled: c-runner\'s memory limit is over the whole job'],
});

test('command_line_arguments with a NUL byte: refused, never split in two', refusedWith, {source_code: hello, language_id: 50, command_line_arguments: 'a\0b c'}, {command_line_arguments: ['must not contain NUL bytes']});
test('command_line_arguments past /execute_c\'s bounds', refusedWith, {source_code: hello, language_id: 50, command_line_arguments: 'x'.repeat(131_072)}, {command_line_arguments: ['is longer than 65536 bytes']});
test('more command_line_arguments than /execute_c takes', refusedWith, {source_code: hello, language_id: 50, command_line_arguments: 'x '.repeat(300)}, {command_line_arguments: ['has 300 arguments; at most 256 are allowed']});

test('base64 fields that are not UTF-8 once decoded are refused, never changed: FF would reach the program as U+FFFD', t => {
	const error = t.throws(() => parseJudge0Submission({source_code: Buffer.from('int main(void) { return 0; }').toString('base64'), language_id: 50, stdin: '/wA=', expected_output: '/go='}, true, rules), {instanceOf: Judge0FieldError});
	t.deepEqual(Object.keys(error?.fields ?? {}).sort(), ['expected_output', 'stdin']);
	t.regex(error!.fields['stdin']![0]!, /must decode to UTF-8 text/);
	t.is(parseJudge0Submission({source_code: Buffer.from('int main(void) { return 0; }').toString('base64'), language_id: 50, stdin: Buffer.from('é\n').toString('base64')}, true, rules).stdin, 'é\n');
});

test('a base64 source_code that decodes to nothing is blank, as Judge0 validates the decoded text', t => {
	for (const source of ['x', '====']) {
		const error = t.throws(() => parseJudge0Submission({source_code: source, language_id: 50}, true, rules), {instanceOf: Judge0FieldError});
		t.deepEqual(error?.fields, {source_code: ['can\'t be blank']}, source);
	}
});

test('Judge0 CE\'s gcc ids: 48-50 are C, 52-54 C++; a numeric string is taken, as the docs send "4"', t => {
	t.is(parseJudge0Submission({source_code: hello, language_id: '50'}, false, rules).language, 'c');
	t.is(parseJudge0Submission({source_code: hello, language_id: 54}, false, rules).language, 'cpp');
	t.is(parseJudge0Submission({source_code: hello, language_id: 48}, false, rules).language, 'c');
});

test('limits: seconds and KB become ms and MiB; compiler_options picks a standard and a level', t => {
	const submission = parseJudge0Submission({source_code: hello, language_id: 50, cpu_time_limit: 1.5, wall_time_limit: 4, memory_limit: 128_000, compiler_options: '-std=c11 -O0', command_line_arguments: 'a "b c"'}, false, rules);
	t.like(submission, {cpuTimeLimitMs: 1500, wallTimeLimitMs: 4000, memoryLimitMb: 125, std: 'c11', optimize: '0'});
	t.deepEqual(submission.args, ['a', 'b c']);
});

test('base64_encoded: source_code, stdin and expected_output are decoded', t => {
	const submission = parseJudge0Submission({source_code: Buffer.from(hello).toString('base64'), language_id: 50, stdin: 'SnVkZ2Uw', expected_output: encode64('hello, Judge0')}, true, rules);
	t.is(submission.sourceCode, hello);
	t.is(submission.stdin, 'Judge0');
	t.is(submission.expectedOutput, 'hello, Judge0');
});

test('statuses: the 14 of Judge0 CE, in order', t => {
	t.deepEqual(judge0Statuses.map(status => status.id), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
});

test('outcomes: each c-runner status as Judge0\'s', t => {
	const cases: Array<[Parameters<typeof executeResult>[0], string | null, number]> = [
		[{output: 'hello, Judge0\n'}, 'hello, Judge0', 3],
		[{output: 'hello, Judge0  \n\n'}, 'hello, Judge0', 3],
		[{output: 'hello\n'}, 'hello, Judge0', 4],
		[{output: 'anything'}, null, 3],
		[{status: 'time_limit', stopped_by: 'cpu_time', exit_code: -9, signal: 'SIGKILL'}, null, 5],
		[{status: 'compile_error', exit_code: 1}, null, 6],
		[{status: 'signalled', exit_code: -11, signal: 'SIGSEGV'}, null, 7],
		[{status: 'file_size_limit', exit_code: -25, signal: 'SIGXFSZ'}, null, 8],
		[{status: 'signalled', exit_code: -8, signal: 'SIGFPE'}, null, 9],
		[{status: 'signalled', exit_code: -6, signal: 'SIGABRT'}, null, 10],
		[{status: 'runtime_error', exit_code: 3}, null, 11],
		[{status: 'signalled', exit_code: -7, signal: 'SIGBUS'}, null, 12],
		[{status: 'output_limit', exit_code: -9, signal: 'SIGKILL'}, null, 12],
	];
	for (const [fields, expected, status] of cases) {
		t.is(judge0Outcome(executeResult(fields), expected).status as number, status, JSON.stringify(fields));
	}

	t.is(judge0Outcome(executeResult({status: 'runtime_error', exit_code: 3}), null).message, 'Exited with error status 3');
	// redirect_stderr_to_stdout: the expected output is compared with the stdout reported, stderr after it.
	const both = executeResult({output: 'hello\n', error: 'world\n'});
	t.is(judge0Outcome(both, 'hello\nworld', true).status as number, 3);
	t.is(judge0Outcome(both, 'hello', true).status as number, 4);
	t.is(judge0Outcome(both, 'hello').status as number, 3);
});

const sandboxReport = (): HelperReport => ({execErrno: 0, exited: true, exitCode: 0, signal: 0, timedOut: false, cpuExceeded: false, cpuMs: 1, wallMs: 2, maxRssKb: 900, peakVmKb: 0, memoryExceeded: false});
const runLimits = {wallMs: 2000, cpuMs: 1500, memoryMb: 64, processes: 32, fileSizeMb: 1, diskMb: 8, openFiles: 64, stackMb: 8};

const stored = (fields: Parameters<typeof executeResult>[0], body: Record<string, unknown> = {}): StoredSubmission => ({
	token: 'eb0dd001-66db-47f4-8a69-b736c9bc23f6',
	submission: parseJudge0Submission({source_code: hello, language_id: 50, stdin: 'Judge0', expected_output: 'hello, Judge0', ...body}, false, rules),
	createdAt: '2026-12-01T00:00:00.000Z',
	state: 'done',
	result: executeResult(fields),
	finishedAt: '2026-12-01T00:00:01.000Z',
});

test('the default view has Judge0\'s 8 attributes, empty texts as null, time in seconds as a string, memory in KB', t => {
	const view = pickFields(judge0Attributes(stored({output: 'hello, Judge0\n', cpu_ms: 1, memory_kb: 380}), false, 'C (GCC 12.2.0)'), undefined);
	t.deepEqual(view, {
		stdout: 'hello, Judge0\n',
		time: '0.001',
		memory: 380,
		stderr: null,
		token: 'eb0dd001-66db-47f4-8a69-b736c9bc23f6',
		compile_output: null,
		message: null,
		status: {id: 3, description: 'Accepted'},
	});
});

test('base64 views encode every text as Ruby\'s encode64 does; fields picks attributes; an unknown one is refused', t => {
	const attributes = judge0Attributes(stored({output: 'hello, Judge0\n'}), true, 'C (GCC 12.2.0)');
	t.is(attributes['stdout'], 'aGVsbG8sIEp1ZGdlMAo=\n');
	t.deepEqual(pickFields(attributes, 'stdout,status_id,language_id'), {stdout: 'aGVsbG8sIEp1ZGdlMAo=\n', status_id: 3, language_id: 50});
	// Judge0's own refusal (SubmissionsController#check_requested_fields): 400 {"error": "invalid fields: [...]"}.
	t.throws(() => pickFields(attributes, 'stdout,nonsense,other'), {instanceOf: AppError, message: 'invalid fields: [nonsense, other]'});
	t.is(t.throws(() => pickFields(attributes, 'nonsense'), {instanceOf: AppError})?.status, 400);
	for (const inherited of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
		t.throws(() => pickFields(attributes, inherited), {instanceOf: AppError, message: `invalid fields: [${inherited}]`}, 'an object\'s own properties only');
	}
	t.is(encode64('x'.repeat(50)).split('\n').length, 3, 'lines of 60 characters');
});

test('base64 answers the bytes the program wrote, not UTF-8 or not; expected_output is compared with those bytes', t => {
	// FF FE on stdout, 80 on stderr: `output` and `error` hold U+FFFD for them, the run's bytes stay beside the result.
	const ran = {stdout: Buffer.from([0xFF, 0xFE]), stderr: Buffer.from([0x80]), report: sandboxReport(), overflowed: null, backstopFired: false, canceled: false, durationMs: 3};
	const result = toRunResult(ran, runLimits, strongestPolicy, 65_536, '');
	t.is(result.output, '\uFFFD\uFFFD');
	const submission = (body: Record<string, unknown>, redirect = false): StoredSubmission => ({
		...stored({}, {expected_output: '\uFFFD\uFFFD', ...(redirect ? {redirect_stderr_to_stdout: true} : {}), ...body}),
		state: 'done',
		result,
		finishedAt: '2026-12-01T00:00:01.000Z',
	});
	const attributes = judge0Attributes(submission({}), true, 'C (GCC 12.2.0)');
	t.is(attributes['stdout'], '//4=\n', 'FF FE, as written');
	t.is(attributes['stderr'], 'gA==\n', '80, as written');
	t.like(judge0Attributes(submission({}), false, 'C (GCC 12.2.0)'), {stdout: '\uFFFD\uFFFD', stderr: '\uFFFD'}, 'as JSON text: their UTF-8 decoding');
	t.is(attributes['status_id'], 4, 'FF FE is not the characters U+FFFD U+FFFD (EF BF BD EF BF BD)');
	t.is(judge0Attributes(submission({}, true), true, 'C (GCC 12.2.0)')['stdout'], '//6A\n', 'stderr after stdout: FF FE 80');
	// A UTF-8 run keeps nothing beside its result: its texts are its bytes.
	t.is(judge0Attributes(stored({output: 'hello, Judge0\n'}), true, 'C (GCC 12.2.0)')['status_id'], 3);
});

test('an output cut to the answer\'s bound is judged whole, and answered in base64 whole where its base64 fits the bound', t => {
	// 800,000 control bytes: UTF-8, but six bytes each as JSON (\u0001), so the JSON answer cuts them at 4 MiB.
	const written = `${'\u0001'.repeat(800_000)}\n`;
	const result = withinResponseBytes(executeResult({output: written}), 4 * 1024 * 1024);
	t.true(result.truncated);
	t.true(result.output.length < written.length);
	const submission: StoredSubmission = {...stored({}, {expected_output: written}), state: 'done', result, finishedAt: '2026-12-01T00:00:01.000Z'};
	t.is(judge0Outcome(result, written).status as number, 3, 'Accepted: the program wrote the expected output');
	t.is(judge0Outcome(result, `${written}x`).status as number, 4);
	const attributes = judge0Attributes(submission, true, 'C (GCC 12.2.0)', 4 * 1024 * 1024);
	t.is(attributes['status_id'], 3);
	t.is(Buffer.from(attributes['stdout'] as string, 'base64').toString('utf8'), written, 'its base64 (1.1 MB) fits: the bytes written, whole');
	t.is(judge0Attributes(submission, false, 'C (GCC 12.2.0)')['stdout'], result.output, 'as JSON text: the cut text');
	// A bound its base64 does not fit: cut, stdout first, within the bound.
	const small = judge0Attributes({...submission, result: withinResponseBytes(executeResult({output: written, error: 'e'.repeat(5000)}), 4 * 1024 * 1024)}, true, 'C', 4000);
	const [stdout, stderr] = [small['stdout'] as string, small['stderr'] as string | null];
	t.true(stdout.length <= 4000, String(stdout.length));
	t.true(stdout.length > 3900, String(stdout.length));
	t.is(Buffer.from(stdout, 'base64').toString('utf8'), written.slice(0, Buffer.from(stdout, 'base64').length));
	t.is(stderr, null, 'nothing left for stderr');
});

test('fields as Judge0 reads them: `*` among names is every attribute, an empty list the default 8', t => {
	const attributes = judge0Attributes(stored({output: 'hi\n'}), false, 'C');
	t.deepEqual(pickFields(attributes, '*,stdout'), attributes);
	t.deepEqual(Object.keys(pickFields(attributes, ',')), ['stdout', 'time', 'memory', 'stderr', 'token', 'compile_output', 'message', 'status']);
	t.deepEqual(Object.keys(pickFields(attributes, '')), Object.keys(pickFields(attributes, undefined)));
});

// judge0-python (Judge0's official SDK) asks for `fields=*` and sets each attribute on its pydantic Submission model,
// which fails on a name the model does not have: `*` holds only these (src/judge0/submission.py, its fields and the
// ones set_attributes skips). Judge0's own queued_at, started_at, updated_at, queue_host and execution_host are not.
const sdkAttributes = [
	'source_code', 'language', 'additional_files', 'compiler_options', 'command_line_arguments', 'stdin', 'expected_output', 'cpu_time_limit',
	'cpu_extra_time', 'wall_time_limit', 'memory_limit', 'stack_limit', 'max_processes_and_or_threads', 'enable_per_process_and_thread_time_limit',
	'enable_per_process_and_thread_memory_limit', 'max_file_size', 'redirect_stderr_to_stdout', 'enable_network', 'number_of_runs', 'callback_url',
	'stdout', 'stderr', 'compile_output', 'message', 'exit_code', 'exit_signal', 'status', 'created_at', 'finished_at', 'token', 'time', 'wall_time',
	'memory', 'post_execution_filesystem', 'language_id', 'status_id',
];

test('fields=* holds only attributes Judge0\'s Python SDK knows, so its get_submission does not fail', t => {
	for (const state of [stored({output: 'hi\n'}), {...stored({}), state: 'queued'} as StoredSubmission]) {
		const unknown = Object.keys(pickFields(judge0Attributes(state, true, 'C'), '*')).filter(name => !sdkAttributes.includes(name));
		t.deepEqual(unknown, []);
	}
});

test('the full view: the limits a finished submission ran under, in Judge0\'s units, whatever the client sent; before, what it sent', t => {
	const ran = stored({limits: {wall_time_ms: 3000, cpu_time_ms: 1000, cpu_time_enforced_ms: 1000, memory_mb: 64, processes: 32, file_size_mb: 1, disk_mb: 8, open_files: 64, stack_mb: 8, output_bytes: 65_536}}, {cpu_time_limit: 1, max_file_size: 100, stack_limit: 2000});
	t.like(pickFields(judge0Attributes(ran, false, 'C'), '*'), {cpu_time_limit: 1, wall_time_limit: 3, memory_limit: 65_536, max_file_size: 1024, stack_limit: 2048, max_processes_and_or_threads: 31}, 'the program\'s processes: the sandbox\'s helper is one of the 32');
	const queued: StoredSubmission = {token: ran.token, submission: ran.submission, createdAt: ran.createdAt, state: 'queued'};
	t.like(pickFields(judge0Attributes(queued, false, 'C'), '*'), {cpu_time_limit: 1, wall_time_limit: null, memory_limit: null, max_file_size: 100, stack_limit: 2000}, 'not run yet: only what was sent');
});

test('max_file_size, stack_limit and max_processes_and_or_threads are applied (KB rounded up to MiB), up to the server\'s own', t => {
	t.like(parseJudge0Submission({source_code: hello, language_id: 50, max_file_size: 1, stack_limit: '4096', max_processes_and_or_threads: 2}, false, rules), {fileSizeMb: 1, stackMb: 4, processes: 2});
	t.like(parseJudge0Submission({source_code: hello, language_id: 50}, false, rules), {fileSizeMb: null, stackMb: null, processes: null, appliedStackMb: 8});
});

test('an empty string for a limit is no limit sent, as Rails casts it to nil and Judge0 fills in its default', t => {
	const submission = parseJudge0Submission({source_code: hello, language_id: 50, cpu_time_limit: '', wall_time_limit: ' ', memory_limit: '', stack_limit: '', max_file_size: '', max_processes_and_or_threads: '', cpu_extra_time: '', number_of_runs: ''}, false, rules);
	t.notThrows(() => parseJudge0Submission({source_code: hello, language_id: 50, number_of_runs: '  '}, false, rules), 'a blank number_of_runs, as a blank limit');
	for (const cpu_time_limit of ['0x10', '0b1', '1e', 'Infinity']) {
		t.throws(() => parseJudge0Submission({source_code: hello, language_id: 50, cpu_time_limit}, false, rules), {instanceOf: Judge0FieldError}, `${cpu_time_limit}: not a decimal number`);
	}

	t.like(parseJudge0Submission({source_code: hello, language_id: 50, cpu_time_limit: ' 1.5 '}, false, rules), {cpuTimeLimitMs: 1500});
	t.like(submission, {cpuTimeLimitMs: null, wallTimeLimitMs: null, memoryLimitMb: null, stackMb: null, fileSizeMb: null, processes: null});
	t.like(parseJudge0Submission({source_code: hello, language_id: 50, cpu_time_limit: '1.5'}, false, rules), {cpuTimeLimitMs: 1500});
});

test('a file size, stack or process limit above the server\'s, or not a number, is refused: never silently not applied', refusedWith, {
	source_code: hello, language_id: 50, max_file_size: 16_385, stack_limit: 64_000, max_processes_and_or_threads: 1.5, cpu_extra_time: 'abc',
}, {
	max_file_size: ['must be less than or equal to 16384'],
	stack_limit: ['must be less than or equal to 8192'],
	max_processes_and_or_threads: ['must be a whole number greater than 0'],
	cpu_extra_time: ['must be greater than or equal to 0'],
});

test('a compile error: compile_output holds gcc\'s text, stdout and exit code are null', t => {
	const view = judge0Attributes(stored({status: 'compile_error', exit_code: 1, error: 'source.c:1:1: error: x\n'}), false, 'C');
	t.like(view, {status: {id: 6, description: 'Compilation Error'}, compile_output: 'source.c:1:1: error: x\n', stdout: null, exit_code: null});
});

test('a crash: exit_signal and the isolate-style message', t => {
	const view = judge0Attributes(stored({status: 'signalled', exit_code: -11, signal: 'SIGSEGV'}), false, 'C');
	t.like(view, {status: {id: 7}, exit_code: 0, exit_signal: 11, message: 'Caught fatal signal 11'});
});

test('the store: bounded in count, each submission gone after its time to live', t => {
	let now = 0;
	const store = new SubmissionStore(2, 1000, Number.POSITIVE_INFINITY, () => now);
	const submission = stored({}).submission;
	const first = store.add(submission)!;
	t.truthy(store.add(submission));
	t.is(store.add(submission), null, 'full');
	t.is(store.get(first.token)?.state, 'queued');
	now = 1001;
	t.is(store.get(first.token), null, 'expired');
	t.truthy(store.add(submission), 'room again');
	t.is(store.size, 1);
});

test('the store: bounded in bytes, a result counted once stored, the bytes given back when a submission expires', t => {
	let now = 0;
	const store = new SubmissionStore(100, 1000, 10_000, () => now);
	const submission = parseJudge0Submission({source_code: 'x'.repeat(4000), language_id: 50}, false, rules);
	const first = store.add(submission)!;
	t.truthy(store.add(submission));
	t.true(store.bytes > 8000 && store.bytes < 10_000, String(store.bytes));
	t.is(store.add(submission), null, 'a third would pass the bound');
	store.update(first.token, entry => ({token: entry.token, submission: entry.submission, createdAt: entry.createdAt, state: 'done', result: executeResult({output: 'y'.repeat(1000)}), finishedAt: ''}));
	t.true(store.bytes > 9000, 'the result counts');
	now = 1001;
	t.is(store.bytes, 0, 'expired: given back');
	t.truthy(store.add(submission), 'room again');
});

test('the store: one not finished counts for the most its result can take, so finished results never pass the bound; bytes as UTF-8', t => {
	const store = new SubmissionStore(100, 1000, 12_000, () => 0, 3000);
	const submission = parseJudge0Submission({source_code: 'x'.repeat(1000), language_id: 50}, false, rules);
	const first = store.add(submission)!;
	t.truthy(store.add(submission));
	t.true(store.bytes > 8000 && store.bytes < 10_000, String(store.bytes));
	t.is(store.add(submission), null, 'a third, and its result, would pass the bound');
	const done = (result: Parameters<typeof executeResult>[0]) => (entry: StoredSubmission): StoredSubmission => ({token: entry.token, submission: entry.submission, createdAt: entry.createdAt, state: 'done', result: executeResult(result), finishedAt: ''});
	store.update(first.token, done({output: 'ok\n'}));
	t.true(store.bytes < 7000, `its result took less than was kept for it: ${store.bytes}`);
	t.truthy(store.add(submission), 'room again');
	// 1000 characters of two bytes each count as the 2000 bytes they take, 1000 more than as many of one byte.
	const counted = (output: string) => {
		const alone = new SubmissionStore(1, 1000, Number.POSITIVE_INFINITY, () => 0);
		alone.update(alone.add(submission)!.token, done({output}));
		return alone.bytes;
	};
	t.is(counted('é'.repeat(1000)) - counted('e'.repeat(1000)), 1000);
});

test('a stored submission is In Queue while it waits for a job slot, Processing once it has one, then done', async t => {
	let start!: () => void;
	let finish!: (result: ExecuteResult) => void;
	const runner: Runner = {
		async execute(_request, _signal, _log, started) {
			// Waits for a slot first, as the real runner's slots.acquire does.
			await new Promise<void>(resolve => {
				start = resolve;
			});
			started?.();
			return new Promise(resolve => {
				finish = resolve;
			});
		},
		async judge() {
			throw new Error('not here');
		},
	};
	const jobs = new Judge0Jobs(new SubmissionStore(10, 60_000), runner, new AbortController().signal, pino({level: 'silent'}));
	const submission = parseJudge0Submission({source_code: hello, language_id: 50}, false, rules);
	const stored = jobs.submit(submission, {program: programFromCode(hello), args: [], stdin: null, limits: {timeLimitMs: null, memoryLimitMb: null}})!;
	const statusNow = () => judge0Attributes(jobs.store.get(stored.token)!, false, 'C')['status_id'];
	await new Promise(resolve => setImmediate(resolve));
	t.is(statusNow(), 1, 'In Queue: no slot yet');
	start();
	await new Promise(resolve => setImmediate(resolve));
	t.is(statusNow(), 2, 'Processing');
	finish(executeResult({output: 'hello, Judge0\n'}));
	await jobs.drain();
	t.is(statusNow(), 3);
});

// The time of day moves when the clock is set (NTP at boot, a resumed VM, `date -s`): Date.now, stepped like it by
// `setClock`, from before the store is made (a clock it took then is the one it keeps).
const withSettableClock = async (body: (setClock: (stepMs: number) => void) => Promise<void> | void) => {
	const realNow = Date.now;
	let step = 0;
	Date.now = () => realNow() + step;
	try {
		await body(stepMs => {
			step = stepMs;
		});
	} finally {
		Date.now = realNow;
	}
};

test.serial('the store: a clock set an hour forward takes no submission before its time to live', async t => {
	await withSettableClock(setClock => {
		const store = new SubmissionStore(10, 60_000);
		const made = store.add(stored({}).submission)!;
		setClock(3_600_000);
		t.is(store.get(made.token)?.state, 'queued', 'kept: a minute has not passed');
		t.is(store.size, 1);
	});
});

test.serial('the store: a clock set an hour back keeps no submission past its time to live', async t => {
	await withSettableClock(async setClock => {
		const store = new SubmissionStore(10, 50);
		const made = store.add(stored({}).submission)!;
		setClock(-3_600_000);
		await new Promise(resolve => setTimeout(resolve, 200));
		t.is(store.get(made.token), null, 'gone: its 50 ms have passed');
	});
});

test('false per-process options are taken (Judge0\'s documented request sends them)', t => {
	t.notThrows(() => parseJudge0Submission({source_code: hello, language_id: 50, enable_network: false, enable_per_process_and_thread_time_limit: false, enable_per_process_and_thread_memory_limit: 'false'}, false, rules));
});

// judge0-python's Config model (src/judge0/base_types.py): every key is required, read when a Client is made.
const sdkConfigKeys = [
	'allow_enable_network', 'allow_enable_per_process_and_thread_memory_limit', 'allow_enable_per_process_and_thread_time_limit',
	'allowed_languages_for_compile_options', 'callbacks_max_tries', 'callbacks_timeout', 'cpu_extra_time', 'cpu_time_limit', 'enable_additional_files',
	'enable_batched_submissions', 'enable_callbacks', 'enable_command_line_arguments', 'enable_compiler_options', 'enable_network',
	'enable_per_process_and_thread_memory_limit', 'enable_per_process_and_thread_time_limit', 'enable_submission_delete', 'enable_wait_result',
	'maintenance_mode', 'max_cpu_extra_time', 'max_cpu_time_limit', 'max_extract_size', 'max_file_size', 'max_max_file_size',
	'max_max_processes_and_or_threads', 'max_memory_limit', 'max_number_of_runs', 'max_processes_and_or_threads', 'max_queue_size', 'max_stack_limit',
	'max_submission_batch_size', 'max_wall_time_limit', 'memory_limit', 'number_of_runs', 'redirect_stderr_to_stdout', 'stack_limit',
	'submission_cache_duration', 'use_docs_as_homepage', 'wall_time_limit',
];

test('config_info: every key Judge0\'s Python SDK requires, with this server\'s limits in Judge0\'s units', t => {
	const info = judge0ConfigInfo({run: {cpuMs: 2000, wallMs: 5000, memoryMb: 256, fileSizeMb: 16, stackMb: 8, processes: 64}, maxCpuMs: 10_000, maxWallMs: 21_000, maxMemoryMb: 1024, storeSize: 1000});
	t.deepEqual(sdkConfigKeys.filter(key => !Object.hasOwn(info, key)), []);
	t.like(info, {
		cpu_time_limit: 2, max_cpu_time_limit: 10, wall_time_limit: 5, max_wall_time_limit: 21, memory_limit: 262_144, max_memory_limit: 1_048_576,
		stack_limit: 8192, max_stack_limit: 8192, max_file_size: 16_384, max_processes_and_or_threads: 63, max_queue_size: 1000,
		enable_network: false, allow_enable_network: false, enable_batched_submissions: false, enable_callbacks: false, number_of_runs: 1, max_number_of_runs: 1,
	});
	// The SDK cuts a list of submissions in batches of this size (itertools.batched: at least 1) and sends a batch of one alone.
	t.is(info.max_submission_batch_size, 1);
});
