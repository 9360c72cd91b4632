import test from 'ava';
import {maxVersionLength, parsePistonRequest, PistonError, pistonRuntimes, toPistonResponse} from '../../src/compat/piston.ts';
import {executeResult} from '../helpers/results.ts';

const rules = {gccVersion: '12.2.0', maxRunCpuMs: 10_000, maxRunMemoryMb: 1024, maxRunWallMs: 21_000};
const body = (fields: Record<string, unknown> = {}) => ({language: 'c', version: '12.2.0', files: [{content: 'int main(void) { return 0; }'}], ...fields});

const refused = test.macro((t, fields: Record<string, unknown>, message: string | RegExp) => {
	t.throws(() => parsePistonRequest(body(fields), rules), {instanceOf: PistonError, message});
});

test('no language: Piston\'s message', refused, {language: undefined}, 'language is required as a string');
test('no files: Piston\'s message', refused, {files: undefined}, 'files is required as an array');
test('a file without content: Piston\'s message', refused, {files: [{name: 'a.c'}]}, 'files[0].content is required as a string');
test('an empty file list', refused, {files: []}, 'files must include at least one utf8 encoded file');
test('an unknown runtime names what this server runs', refused, {language: 'python'}, /python-12\.2\.0 runtime is unknown \(this server runs c and c\+\+, version 12\.2\.0\)/);
test('an unknown runtime of any length is echoed cut, at 64 characters', refused, {language: 'p'.repeat(100_000)}, new RegExp(`^${'p'.repeat(64)}…-12\\.2\\.0 runtime is unknown`));
test('a limit of the wrong type: Piston\'s message', refused, {run_timeout: '3s'}, 'If specified, run_timeout must be a number');
test('a compile CPU time of the wrong type: Piston\'s message, though the compile keeps the server\'s limits', refused, {compile_cpu_time: 'x'}, 'If specified, compile_cpu_time must be a number');
test('a CPU time past the maximum: Piston\'s message', refused, {run_cpu_time: 20_000}, 'run_cpu_time cannot exceed the configured limit of 10000');

test('a run_timeout past the server\'s longest wall-clock time: refused, not cut', refused, {run_timeout: 25_000}, 'run_timeout cannot exceed the configured limit of 21000');
test('arguments with a NUL byte: refused, never split in two', refused, {args: ['a\0b']}, 'args must not contain NUL bytes');
test('more arguments than /execute_c takes', refused, {args: Array.from({length: 257}, () => 'x')}, 'args has 257 arguments; at most 256 are allowed');
test('arguments longer than /execute_c takes', refused, {args: ['x'.repeat(65_536)]}, 'args is longer than 65536 bytes');

test('runtimes: c and c++ with Piston\'s aliases, the real gcc version', t => {
	t.deepEqual(pistonRuntimes('12.2.0'), [
		{language: 'c', version: '12.2.0', aliases: ['gcc'], runtime: 'gcc'},
		{language: 'c++', version: '12.2.0', aliases: ['cpp', 'g++'], runtime: 'gcc'},
	]);
});

test('aliases, a missing version or "*", a major version; -1 limits mean the server\'s default; memory in bytes', t => {
	t.like(parsePistonRequest(body({language: 'cpp', version: undefined}), rules), {language: 'cpp', runtime: 'c++'});
	t.like(parsePistonRequest(body({version: '*'}), rules), {language: 'c'});
	t.like(parsePistonRequest(body({version: '12'}), rules), {language: 'c'});
	t.like(parsePistonRequest(body({run_timeout: 3000, run_memory_limit: -1, compile_memory_limit: -1, run_cpu_time: 500}), rules), {runWallMs: 3000, runMemoryMb: null, compileMemoryMb: null, runCpuMs: 500});
	t.like(parsePistonRequest(body({run_memory_limit: 64 * 1024 * 1024}), rules), {runMemoryMb: 64});
});

test('a run: both stages, output = stdout then stderr, memory in bytes', t => {
	const response = toPistonResponse(executeResult({output: 'hi\n', error: 'warn\n', cpu_ms: 2, time_ms: 5, memory_kb: 1000, warnings: 'w'}), {runtime: 'c'}, '12.2.0');
	t.deepEqual(response, {
		language: 'c',
		version: '12.2.0',
		compile: {stdout: '', stderr: 'w', output: 'w', code: 0, signal: null, message: null, status: null, cpu_time: null, wall_time: null, memory: null},
		run: {stdout: 'hi\n', stderr: 'warn\n', output: 'hi\nwarn\n', code: 0, signal: null, message: null, status: null, cpu_time: 2, wall_time: 5, memory: 1_024_000},
	});
});

test('limits and crashes as Piston reports them', t => {
	const run = (fields: Parameters<typeof executeResult>[0]) => toPistonResponse(executeResult(fields), {runtime: 'c'}, '12.2.0').run;
	t.like(run({status: 'signalled', exit_code: -11, signal: 'SIGSEGV'}), {code: null, signal: 'SIGSEGV', status: 'SG', message: 'Caught fatal signal 11'});
	t.like(run({status: 'runtime_error', exit_code: 3}), {code: 3, signal: null, status: 'RE'});
	t.like(run({status: 'time_limit', stopped_by: 'cpu_time', exit_code: -9, signal: 'SIGKILL'}), {code: null, signal: 'SIGKILL', status: 'TO'});
	t.like(run({status: 'output_limit', exit_code: -9, signal: 'SIGKILL', output: 'x'.repeat(10), output_limit_stream: 'stdout'}), {status: 'OL', signal: 'SIGKILL'});
	t.like(run({status: 'output_limit', exit_code: -9, signal: 'SIGKILL', error: 'x'.repeat(10), output_limit_stream: 'stderr'}), {status: 'EL'});
	// The stream that passed the cap, not the longer one: the answer's size bound may have cut stdout, NULs count six.
	t.like(run({status: 'output_limit', exit_code: -9, signal: 'SIGKILL', output: '\0'.repeat(100), error: 'e', output_limit_stream: 'stderr'}), {status: 'EL', message: 'stderr length exceeded'});
});

test('a compile error: run is the compile stage, as Piston keeps it', t => {
	const response = toPistonResponse(executeResult({status: 'compile_error', exit_code: 1, error: 'source.c:1:1: error: x\n'}), {runtime: 'c'}, '12.2.0');
	t.like(response.compile, {code: 1, stderr: 'source.c:1:1: error: x\n', status: 'RE'});
	t.deepEqual(response.run, response.compile);
});

test('a compile the server stopped: Piston\'s kill (TO for the time limit, EL for the diagnostics cap), not gcc exiting 1', t => {
	const compile = (fields: Parameters<typeof executeResult>[0]) => toPistonResponse(executeResult({status: 'compile_error', exit_code: 1, ...fields}), {runtime: 'c'}, '12.2.0');
	const timedOut = compile({stopped_by: 'wall_time', timed_out: true, error: 'c-runner: compilation stopped by the compile time limit of 10000 ms\n'});
	t.like(timedOut.compile, {code: null, signal: 'SIGKILL', status: 'TO', message: 'Time limit exceeded'});
	t.deepEqual(timedOut.run, timedOut.compile);
	t.like(compile({stopped_by: 'cpu_time', timed_out: true}).compile, {code: null, signal: 'SIGKILL', status: 'TO'});
	t.like(compile({stopped_by: 'output', truncated: true, output_limit_stream: 'stderr'}).compile, {code: null, signal: 'SIGKILL', status: 'EL', message: 'stderr length exceeded'});
	t.like(compile({stopped_by: 'memory'}).compile, {code: 1, signal: null, status: 'RE'}, 'gcc\'s driver exits 1 when the kernel ends cc1');
});

test('a version longer than any range a client means is refused before SemVer parses it, and is not echoed', t => {
	// Parsed, a range of a million comparators held the event loop for seconds and stayed in node-semver's cache.
	const long = '1 '.repeat(maxVersionLength);
	const error = t.throws(() => parsePistonRequest(body({version: long}), rules), {instanceOf: PistonError, message: `version is longer than ${maxVersionLength} characters: no SemVer range of a runtime is`});
	t.false(error?.message.includes(long));
	// One of the limit's length is still read as a range.
	const longest = `12${' || 1'.repeat(50)}`.padEnd(maxVersionLength, ' ');
	t.like(parsePistonRequest(body({version: longest}), rules), {language: 'c'});
});

test('version is a SemVer range, as Piston matches it: 12.x, ^12, >=10 <13 name this gcc; 13.x does not', t => {
	for (const version of ['12.x', '^12', '~12.2', '>=10 <13', '11 || 12']) {
		t.like(parsePistonRequest(body({version}), rules), {language: 'c'}, version);
	}

	t.throws(() => parsePistonRequest(body({version: '13.x'}), rules), {instanceOf: PistonError, message: /^c-13\.x runtime is unknown/});
});

test('a file\'s encoding as Piston reads it: base64 and hex decoded, anything else taken as it is; decoded bytes must be UTF-8', t => {
	const source = 'int main(void) { return 0; }';
	const contentOf = (file: Record<string, unknown>) => parsePistonRequest(body({files: [file]}), rules).files[0]!.content;
	t.is(contentOf({content: Buffer.from(source).toString('base64'), encoding: 'base64'}), source);
	t.is(contentOf({content: Buffer.from(source).toString('hex'), encoding: 'hex'}), source);
	for (const encoding of ['utf8', null, undefined, 'latin1']) {
		t.is(contentOf({content: source, encoding}), source, String(encoding));
	}

	t.throws(() => contentOf({content: Buffer.from([0xFF, 0xFE]).toString('base64'), encoding: 'base64'}), {instanceOf: PistonError, message: 'files[0].content must decode from base64 to UTF-8 text: c-runner takes files as text'});
});
