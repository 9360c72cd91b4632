import {spawn} from 'node:child_process';
import {PassThrough} from 'node:stream';
import test from 'ava';
import {CappedCapture} from '../../src/sandbox/capture.ts';
import {drainNow, parseChildPid, spawnSandbox, type SandboxCommand} from '../../src/sandbox/spawn.ts';

test('the helper pid is read from bwrap\'s info JSON', t => {
	t.is(parseChildPid('{\n    "child-pid": 3471,\n    "pid-namespace": 4026532181\n}\n'), 3471);
	t.is(parseChildPid('{\n    "child-pid": 34'), null, 'incomplete: not yet');
	t.is(parseChildPid('{"child-pid": 1}'), null, 'never the host init');
	t.is(parseChildPid('{"child-pid": "12"}'), null);
	t.is(parseChildPid('null'), null);
});

/**
 * A sandbox made ahead, played by a shell in the launcher's place: `script` runs with the command's descriptor 7, and
 * the command is sent once it has had time to run (after `delayMs`).
 */
async function madeAhead(script: string, delayMs: number) {
	const signal = new AbortController().signal;
	let send!: (command: SandboxCommand) => void;
	const command = new Promise<SandboxCommand>(resolve => {
		send = resolve;
	});
	const run = spawnSandbox({
		bwrapPath: '/usr/bin/bwrap',
		command,
		madeAhead: ['--never-used'],
		user: null,
		outputBytes: 4096,
		signal,
		launcher: {path: '/bin/sh', args: ['-c', script, 'sh']},
	});
	await new Promise(resolve => setTimeout(resolve, delayMs));
	send({args: ['--wall-ms', '1000', '--', '/bin/true'], backstopMs: 5000, signal});
	return run;
}

test('a command that reaches nobody — what waited for it is gone — is unsent: nothing ran', async t => {
	t.true((await madeAhead('exit 0', 200)).unsent, 'gone before the command came');
	t.true((await madeAhead('exec 7<&-; sleep 0.3', 100)).unsent, 'alive, but its end of the pipe closed');
	const read = await madeAhead('cat <&7', 100);
	t.is(read.unsent, undefined, 'read: delivered');
	t.is(read.stdout.toString(), '--wall-ms\u00001000\u0000--\u0000/bin/true\u0000');
});

/**
 * A sandbox played by a shell in bwrap's place: `script` writes to descriptors 1–4 as bwrap and the helper would.
 * `answerAtReport`: as every step that does not stream is.
 */
function shellSandbox(script: string, answerAtReport = false) {
	const signal = new AbortController().signal;
	return spawnSandbox({
		bwrapPath: '/bin/sh',
		command: {args: ['-c', script], backstopMs: 5000, signal},
		user: null,
		outputBytes: 1 << 20,
		signal,
		answerAtReport,
	});
}

const report = 'exec_errno=0\nexited=1\nexit_code=3\nsignal=0\ntimed_out=0\ncpu_exceeded=0\ncpu_ms=12\nwall_ms=40\nmax_rss_kb=1500\npeak_vm_kb=2600\nmemory_exceeded=0\n';

test('the helper\'s report is read from descriptor 3 whole, however it is written', async t => {
	const [head, tail] = [report.slice(0, 30), report.slice(30)];
	const run = await shellSandbox(`printf '%s' '${head}' >&3; sleep 0.1; printf '%s' '${tail}' >&3; echo out; echo err >&2`);
	t.like(run.report, {exited: true, exitCode: 3, cpuMs: 12, wallMs: 40, maxRssKb: 1500, peakVmKb: 2600});
	t.is(run.stdout.toString(), 'out\n');
	t.is(run.stderr.toString(), 'err\n');
	t.is((await shellSandbox('true')).report, null, 'none written: none');
	t.is((await shellSandbox(`printf '%s' '${report.replace('cpu_ms=12', 'cpu_ms=x')}' >&3`)).report, null, 'not the helper\'s: none');
});

test('a report past 4 KiB is no report, and stops the sandbox', async t => {
	const started = performance.now();
	const run = await shellSandbox(`printf '%s' '${report}' >&3; head -c 5000 /dev/zero >&3; exec sleep 30`);
	t.is(run.report, null);
	t.true(performance.now() - started < 10_000, 'stopped, not left to its 30 s');
});

const answeredAtReport = async (script: string) => shellSandbox(script, true);

test('answered at the helper\'s report: with every byte written before it, before the sandbox is over; `ended` tells when it is', async t => {
	// The stand-in holds its pipes open after the report, as bwrap and the exiting helper do, for 800 ms.
	const script = `head -c 300000 /dev/zero | tr '\\0' o; printf err >&2; printf '%s' '${report}' >&3; exec sleep 0.8`;
	const started = performance.now();
	const run = await answeredAtReport(script);
	const answeredMs = performance.now() - started;
	t.true(answeredMs < 700, `answered after ${Math.round(answeredMs)} ms, before the sandbox was over`);
	t.is(run.stdout.length, 300_000);
	t.true(run.stdout.every(byte => byte === 0x6F));
	t.is(run.stderr.toString(), 'err');
	t.like(run.report, {exited: true, exitCode: 3});
	t.truthy(run.ended);
	await run.ended;
	t.true(performance.now() - started >= 750, 'ended once the stand-in was gone');

	const whole = await shellSandbox(script);
	t.true(performance.now() - started >= 1500, 'without answerAtReport, at the end');
	t.is(whole.ended, undefined);

	const split = await answeredAtReport(`printf '%s' '${report.slice(0, 30)}' >&3; sleep 0.3; printf '%s' '${report.slice(30)}' >&3; exec sleep 0.8`);
	t.like(split.report, {exitCode: 3, wallMs: 40}, 'a report that comes in pieces: answered once it is whole');
	t.is((await answeredAtReport('echo out; exec sleep 0.2')).ended, undefined, 'no report: at the end, as always');
});

test('a pipe whose writer is gone is read to its last byte at once: what Node holds, then what the kernel does', async t => {
	// Paused: Node reads up to its buffer's mark at most, the rest waits in the kernel.
	const child = spawn('/bin/sh', ['-c', 'head -c 100000 /dev/zero | tr \'\\0\' x'], {stdio: ['ignore', 'pipe', 'ignore']});
	const capture = new CappedCapture(1 << 20, () => {});
	child.stdout.pause();
	child.stdout.on('data', (chunk: Buffer) => {
		capture.push(chunk);
	});
	await new Promise(resolve => child.once('exit', resolve));
	t.true(capture.size < 100_000, `${capture.size} bytes handed on before`);
	t.true(drainNow(child.stdout, capture), 'read to its end');
	t.is(capture.size, 100_000);
	t.true(Buffer.concat(capture.chunks).every(byte => byte === 0x78));
	child.stdout.destroy();

	// What Node has read and not yet handed on (a stream without a descriptor holds only that).
	const held = new PassThrough();
	const fromNode = new CappedCapture(1 << 20, () => {});
	held.pause();
	held.on('data', (chunk: Buffer) => {
		fromNode.push(chunk);
	});
	held.write('in Node\'s buffer');
	t.false(drainNow(held, fromNode), 'no descriptor: what is left comes through the stream');
	t.is(Buffer.concat(fromNode.chunks).toString(), 'in Node\'s buffer');
});
