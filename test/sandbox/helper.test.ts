// The sandbox helper run directly, outside bubblewrap: its options, report, limits and clean-up of its own process
// group. (Inside bubblewrap, as pid 1, it kills the whole pid namespace; the integration tests prove that.)
import {execFileSync, spawn, spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import {parseReport} from '../../src/sandbox/report.ts';
import {encodeCommand} from '../../src/sandbox/spawn.ts';
import {projectRoot} from '../helpers/server.ts';

const helper = path.join(projectRoot, 'sandbox', 'build', 'c-runner-sandbox');

function runHelper(args: string[], cpuUsageFd: number | null = null) {
	const stdio: Array<'ignore' | 'pipe' | number> = ['ignore', 'pipe', 'pipe', 'pipe', ...(cpuUsageFd === null ? [] : ['ignore' as const, cpuUsageFd])];
	const result = spawnSync(helper, args, {stdio, encoding: 'utf8', timeout: 20_000});
	return {status: result.status, stdout: result.stdout, stderr: result.stderr, report: parseReport(String(result.output[3] ?? ''))};
}

const sandboxed = (extra: string[], ...command: string[]) => runHelper(['--report-fd', '3', '--wall-ms', '5000', ...extra, '--', ...command]);

/** The scratch directories this file makes, removed after it. */
const scratch: string[] = [];
const scratchDir = () => {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'c-runner-helper-test-'));
	scratch.push(dir);
	return dir;
};

test.after.always(() => {
	for (const dir of scratch) {
		fs.rmSync(dir, {recursive: true, force: true});
	}
});

/** An example program compiled for a direct run of the helper, where no sandbox (and no syscall filter) applies. */
function compiled(name: string): string {
	const binary = path.join(scratchDir(), name);
	execFileSync('gcc', ['-std=gnu17', '-O2', '-o', binary, path.join(projectRoot, 'examples', `${name}.c`)]);
	return binary;
}

test('a normal exit is reported with its code', t => {
	const {report, stdout} = sandboxed([], '/bin/sh', '-c', 'echo hi; exit 3');
	t.is(stdout, 'hi\n');
	t.like(report, {execErrno: 0, exited: true, exitCode: 3, signal: 0, timedOut: false});
});

test('death by a signal is reported as that signal', t => {
	t.like(sandboxed([], '/bin/sh', '-c', 'kill -SEGV $$').report, {exited: false, signal: 11});
});

test('the wall clock kills the command and its process group', t => {
	const started = Date.now();
	const {report} = runHelper(['--report-fd', '3', '--wall-ms', '300', '--', '/bin/sh', '-c', 'sleep 30 & sleep 30']);
	t.like(report, {timedOut: true, signal: 9});
	t.true(report!.wallMs >= 300 && report!.wallMs < 3000, `wall_ms ${report?.wallMs}`);
	t.true(Date.now() - started < 5000, 'the background sleep did not hold the helper');
});

test('the CPU limit is enforced to the sample: SIGKILL once the job has used it, flagged as cpu_exceeded', t => {
	const {report} = sandboxed(['--cpu-ms', '500'], '/bin/sh', '-c', 'while :; do :; done');
	t.like(report, {signal: 9, timedOut: false, cpuExceeded: true});
	t.true(report!.cpuMs >= 500 && report!.cpuMs < 900, `cpu_ms ${report?.cpuMs}`);
});

test('the CPU limit counts every process of the job, not only the first', t => {
	const {report} = sandboxed(['--cpu-ms', '600'], '/bin/sh', '-c', 'while :; do :; done & while :; do :; done & wait');
	t.like(report, {signal: 9, cpuExceeded: true});
	t.true(report!.cpuMs >= 600, `cpu_ms ${report?.cpuMs}`);
});

test('a ptrace stop is never an exit: PTRACE_TRACEME then a crash is reported as SIGSEGV', t => {
	// The syscall filter refuses ptrace in every sandbox; without it (this test only) the wait loop meets the stops.
	const {report, stderr} = sandboxed(['--syscall-filter', '0'], compiled('ptrace-traceme-crash'));
	t.regex(stderr, /PTRACE_TRACEME accepted/, 'the helper really was the tracer');
	t.like(report, {exited: false, signal: 11, exitCode: 0});
	const filtered = sandboxed([], compiled('ptrace-traceme-crash'));
	t.regex(filtered.stderr, /PTRACE_TRACEME refused/, 'under the filter, as in every sandbox, ptrace is refused');
	t.like(filtered.report, {exited: false, signal: 11});
});

test('children reaped by the kernel (SIGCHLD ignored) count towards the CPU limit', t => {
	const {report} = sandboxed(['--cpu-ms', '1000'], compiled('cpu-sigchld-ignored'));
	t.like(report, {signal: 9, cpuExceeded: true});
	t.true(report!.cpuMs >= 1000 && report!.cpuMs < 1500, `cpu_ms ${report?.cpuMs}`);
});

test('a command that lowers the helper\'s rlimits (NOFILE 3, AS 4 MiB, CPU 1 s) does not blind it', t => {
	const {report, stderr} = sandboxed(['--cpu-ms', '600'], '/bin/sh', '-c', 'prlimit --pid $PPID --nofile=3:3 --as=4194304:4194304 --cpu=1:1 && echo lowered >&2 && while :; do :; done');
	t.is(stderr, 'lowered\n');
	t.like(report, {signal: 9, cpuExceeded: true});
	t.true(report!.cpuMs >= 600 && report!.cpuMs < 1000, `cpu_ms ${report?.cpuMs}`);
});

test('--cpu-usage-fd: the job cgroup\'s counter decides the CPU limit, and the command never holds it', t => {
	const counter = path.join(scratchDir(), 'cpuacct.usage');
	// Counted from the helper's start: what the counter held before (bwrap's set-up) is not the program's.
	fs.writeFileSync(counter, '5000000000\n');
	const over = runHelper(['--report-fd', '3', '--wall-ms', '5000', '--cpu-ms', '1000', '--cpu-usage-fd', '5', '--', '/bin/sh', '-c', `echo 9000000000 > ${counter}; sleep 3`], fs.openSync(counter, 'r'));
	t.like(over.report, {signal: 9, cpuExceeded: true});
	t.true(over.report!.cpuMs > 3900 && over.report!.cpuMs <= 4000, `cpu_ms ${over.report?.cpuMs}`);
	fs.writeFileSync(counter, '1000000\n');
	const under = runHelper(['--report-fd', '3', '--wall-ms', '5000', '--cpu-ms', '1000', '--cpu-usage-fd', '5', '--', '/bin/sh', '-c', 'ls /proc/self/fd'], fs.openSync(counter, 'r'));
	t.like(under.report, {exited: true, exitCode: 0, cpuExceeded: false});
	t.deepEqual(under.stdout.trim().split('\n').sort(), ['0', '1', '2', '3'], 'descriptors of ls: its three and the directory it reads');
});

test('the address-space limit stops a program that needs more; without it the same program runs', t => {
	const script = 'x=$(head -c 33554432 /dev/zero | tr "\\0" a); echo ${#x}';
	const free = sandboxed([], '/bin/sh', '-c', script);
	t.is(free.stdout, '33554432\n');
	t.true(free.report!.maxRssKb >= 32 * 1024, `max_rss_kb ${free.report?.maxRssKb}`);
	const capped = sandboxed(['--as-bytes', String(16 * 1024 * 1024)], '/bin/sh', '-c', script);
	t.not(capped.stdout, '33554432\n');
	t.false(capped.report!.exited && capped.report!.exitCode === 0, 'the capped run failed');
	t.true(capped.report!.maxRssKb < 16 * 1024, `max_rss_kb ${capped.report?.maxRssKb}`);
});

test('the report descriptor is not inherited by the command', t => {
	const {report, stderr} = sandboxed([], '/bin/sh', '-c', 'echo forged >&3');
	t.like(report, {exited: true});
	t.not(report!.exitCode, 0, 'writing to descriptor 3 failed');
	t.regex(stderr, /Bad file descriptor|bad file/i);
});

test('a command that cannot be executed is reported with its errno', t => {
	const {report} = sandboxed([], '/nonexistent/program');
	t.like(report, {execErrno: 2, exited: true, exitCode: 127});
});

const refused = test.macro((t, args: string[], message: RegExp) => {
	const {status, stderr, report} = runHelper(args);
	t.is(status, 125);
	t.regex(stderr, message);
	t.is(report, null, 'no report');
});

test('no report descriptor', refused, ['--wall-ms', '100', '--', '/bin/true'], /--report-fd must be given/);
test('no wall limit', refused, ['--report-fd', '3', '--', '/bin/true'], /--wall-ms must be given/);
test('an unknown option', refused, ['--report-fd', '3', '--wall-ms', '100', '--bogus', '1', '--', '/bin/true'], /unknown option '--bogus'/);
test('a bad number', refused, ['--report-fd', '3', '--wall-ms', '12x', '--', '/bin/true'], /bad number/);
test('a relative program', refused, ['--report-fd', '3', '--wall-ms', '100', '--', 'true'], /absolute path/);
test('no program', refused, ['--report-fd', '3', '--wall-ms', '100'], /usage/);

/**
 * The helper with `--command-fd 4` (and a 5 s wall limit, unless the command says otherwise): started, then sent
 * `command` — options, `--`, the program — (null: end of file) after `delayMs`.
 */
async function commandLater(command: readonly string[] | null, delayMs: number, extra: string[] = ['--wall-ms', '5000']) {
	const child = spawn(helper, ['--command-fd', '4', '--report-fd', '3', ...extra, '--'], {stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe']});
	let stderr = '';
	child.stderr!.on('data', (chunk: Buffer) => {
		stderr += chunk.toString();
	});
	const read = (stream: NodeJS.ReadableStream) => new Promise<string>(resolve => {
		let text = '';
		stream.on('data', (chunk: Buffer) => {
			text += chunk.toString();
		});
		stream.on('end', () => resolve(text));
	});
	const [stdout, report] = [read(child.stdout!), read((child.stdio as unknown as NodeJS.ReadableStream[])[3]!)];
	await new Promise(resolve => setTimeout(resolve, delayMs));
	const pipe = (child.stdio as unknown as NodeJS.WritableStream[])[4]!;
	pipe.on('error', () => {});
	if (command === null) {
		pipe.end();
	} else {
		pipe.end(encodeCommand(command));
	}

	const status = await new Promise<number | null>(resolve => child.once('close', resolve));
	return {status, stdout: await stdout, stderr, report: parseReport(await report)};
}

test('--command-fd: the command comes later; its wall time counts from then, not from the helper\'s start', async t => {
	const {stdout, report} = await commandLater(['--', '/bin/sh', '-c', 'echo ran "$1"', 'sh', 'an argument'], 400);
	t.is(stdout, 'ran an argument\n');
	t.like(report, {execErrno: 0, exited: true, exitCode: 0});
	t.true(report!.wallMs < 300, `wall_ms ${report?.wallMs} counts the 400 ms wait`);
});

test('--command-fd: end of file and nothing runs, no report', async t => {
	const {status, stdout, report} = await commandLater(null, 0);
	t.is(status, 125);
	t.is(stdout, '');
	t.is(report, null);
});

test('--command-fd: a relative program, a missing NUL, or a command on the command line too, are refused', async t => {
	t.is((await commandLater(['--', 'sh', '-c', 'echo ran'], 0)).status, 125);
	t.is((await commandLater(['/bin/echo', 'ran'], 0)).status, 125, 'no -- before the program');
	const noNul = spawnSync(helper, ['--command-fd', '0', '--report-fd', '3', '--wall-ms', '5000', '--'], {input: '/bin/echo', stdio: ['pipe', 'pipe', 'pipe', 'pipe']});
	t.is(noNul.status, 125);
	t.is(runHelper(['--command-fd', '4', '--report-fd', '3', '--wall-ms', '5000', '--', '/bin/true']).status, 125);
});

test('--command-fd: the limits that come with the command are the ones set (a 150 ms wall limit against 5 s on the command line)', async t => {
	const {report} = await commandLater(['--wall-ms', '150', '--nofile', '16', '--', '/bin/sleep', '5'], 0);
	t.like(report, {timedOut: true});
	t.true(report!.wallMs < 2000, `wall_ms ${report?.wallMs}`);
	const limits = await commandLater(['--nofile', '16', '--', '/bin/sh', '-c', 'ulimit -n'], 0);
	t.is(limits.stdout, '16\n');
});

test('--command-fd: a wall limit must be given, on the command line or with the command', async t => {
	const {status, stderr, report} = await commandLater(['--', '/bin/true'], 0, []);
	t.is(status, 125);
	t.regex(stderr, /--wall-ms must be given/);
	t.is(report, null);
	t.like((await commandLater(['--wall-ms', '1000', '--', '/bin/true'], 0, [])).report, {exited: true, exitCode: 0});
});

for (const option of [['--report-fd', '5'], ['--cpu-usage-fd', '5'], ['--oom-control-fd', '5'], ['--command-fd', '5'], ['--syscall-filter', '0']]) {
	test(`--command-fd: ${option[0]} cannot come with the command (only the run's limits and stdin can)`, async t => {
		const {status, stderr, stdout, report} = await commandLater([...option, '--', '/bin/echo', 'ran'], 0);
		t.is(status, 125);
		t.regex(stderr, /cannot come with the command/);
		t.is(stdout, '');
		t.is(report, null);
	});
}

/** A stdin file made by `make` in a scratch directory, given to /bin/cat with `--stdin-file`: on the command line, or sent. */
async function catWith(make: (dir: string) => string, sent: boolean) {
	const file = make(scratchDir());
	if (sent) {
		return commandLater(['--stdin-file', file, '--', '/bin/cat'], 0);
	}

	return sandboxed(['--stdin-file', file], '/bin/cat');
}

for (const sent of [false, true]) {
	const how = sent ? 'sent with the command' : 'on the command line';
	test(`--stdin-file ${how}: the file is the command's descriptor 0`, async t => {
		const {stdout, report} = await catWith(dir => {
			fs.writeFileSync(path.join(dir, 'stdin'), 'the input\n');
			return path.join(dir, 'stdin');
		}, sent);
		t.is(stdout, 'the input\n');
		t.like(report, {exited: true, exitCode: 0});
	});

	for (const [name, make] of [
		['a symbolic link', (dir: string) => {
			fs.writeFileSync(path.join(dir, 'secret'), 'not for the job\n');
			fs.symlinkSync(path.join(dir, 'secret'), path.join(dir, 'stdin'));
			return path.join(dir, 'stdin');
		}],
		['a FIFO (it would block the helper)', (dir: string) => {
			execFileSync('mkfifo', [path.join(dir, 'stdin')]);
			return path.join(dir, 'stdin');
		}],
		['a directory', (dir: string) => dir],
		['missing', (dir: string) => path.join(dir, 'none')],
		['a relative path', () => 'stdin'],
	] as const) {
		test(`--stdin-file ${how}: a file that is ${name} is refused, nothing runs, no report`, async t => {
			const {status, stdout, report} = await catWith(make, sent);
			t.is(status, 125);
			t.is(stdout, '');
			t.is(report, null);
		});
	}
}
