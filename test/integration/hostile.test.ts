// The attack corpus in examples/, each through the real server, gcc and bwrap with short limits. Every test checks
// the outcome and that the host is clean afterwards: no job directory, no process of the sandbox uids.
import fs from 'node:fs';
import test from 'ava';
import {assertForkBombStopped, assertHostClean, example, execute, leftoverJobDirs, programRuns, startServer, testLimits, waitFor, type RunningServer} from '../helpers/server.ts';

let server: RunningServer;
test.before(async () => {
	server = await startServer({uidBase: 62_100});
});
test.after.always(async () => {
	await server?.stop();
});

const outputCap = Number(testLimits.C_RUNNER_OUTPUT_BYTES);

async function run(t: import('ava').ExecutionContext, name: string, extra: Record<string, unknown> = {}) {
	const {status, body} = await execute(server, {code: example(name), ...extra});
	t.is(status, 200, JSON.stringify(body));
	return body;
}

test.serial('infinite loop: stopped at the CPU limit, time_limit', async t => {
	// time_limit_ms: 100 ms of CPU, with a wall limit of 1.2 s: a CPU-time test that other test files running beside
	// it cannot turn into a wall-clock one (a loaded CI machine gave a process under a quarter of a core; this needs
	// a twelfth).
	const body = await run(t, 'infinite-loop.c', {time_limit_ms: 100});
	// The helper samples CPU time every 5 ms and kills the job at the limit; RLIMIT_CPU is only its backstop.
	t.like(body, {status: 'time_limit', timed_out: true, stopped_by: 'cpu_time', exit_code: -9, signal: 'SIGKILL'});
	t.true(body['cpu_ms'] >= 100 && body['cpu_ms'] < 200, `cpu_ms ${body['cpu_ms']}`);
	await assertHostClean(t, server);
});

test.serial('sleep: stopped at the wall limit, the output written before is returned', async t => {
	const body = await run(t, 'sleep-forever.c');
	t.like(body, {status: 'time_limit', timed_out: true, stopped_by: 'wall_time', exit_code: -9, signal: 'SIGKILL', output: 'sleeping\n'});
	t.true(body['time_ms'] >= 1900, `time_ms ${body['time_ms']}`);
	await assertHostClean(t, server);
});

test.serial('fork bomb: held by the process limit, killed at the first limit it reaches, nothing survives', async t => {
	assertForkBombStopped(t, await run(t, 'fork-bomb.c'), Number(testLimits.C_RUNNER_RUN_MEMORY_MB));
	await assertHostClean(t, server);
});

test.serial('fork count: fork fails with EAGAIN below the process limit', async t => {
	const body = await run(t, 'fork-count.c');
	t.is(body['status'], 'ok', body['error']);
	const forks = Number(/forks=(\d+)/.exec(body['output'])?.[1]);
	t.true(forks > 0 && forks < Number(testLimits.C_RUNNER_RUN_PROCESSES), body['output']);
	t.regex(body['output'], /EAGAIN/);
	await assertHostClean(t, server);
});

test.serial('memory hog: memory_limit, not a generic runtime error', async t => {
	const body = await run(t, 'memory-hog.c');
	t.like(body, {status: 'memory_limit', stopped_by: 'memory'});
	t.true(body['memory_kb'] >= 64 * 1024, `memory_kb ${body['memory_kb']}`);
	await assertHostClean(t, server);
});

test.serial('stdout flood: output_limit, output cut exactly at the cap', async t => {
	const body = await run(t, 'output-flood.c');
	t.like(body, {status: 'output_limit', stopped_by: 'output', output_limit_stream: 'stdout', truncated: true, exit_code: -9, signal: 'SIGKILL'});
	t.is(Buffer.byteLength(body['output']), outputCap);
	await assertHostClean(t, server);
});

test.serial('stderr flood: output_limit on stderr', async t => {
	const body = await run(t, 'stderr-flood.c');
	t.like(body, {status: 'output_limit', stopped_by: 'output', output_limit_stream: 'stderr', truncated: true});
	t.is(Buffer.byteLength(body['error']), outputCap);
	await assertHostClean(t, server);
});

test.serial('address space reserved up to the limit, then a failed exit: memory_limit', async t => {
	const body = await run(t, 'address-space-reserved.c');
	t.like(body, {status: 'memory_limit', stopped_by: 'memory', exit_code: 1});
	t.regex(body['output'], /^reserved \d+ MiB before malloc failed\n$/);
	// Reserved, never touched: the memory the job held stays small.
	t.true(body['memory_kb'] < 16 * 1024, `memory_kb ${body['memory_kb']}`);
	await assertHostClean(t, server);
});

test.serial('address space reserved and never made usable (PROT_NONE) past the limit: a failed exit stays runtime_error', async t => {
	// Once memory_limit: the samples counted reservations, such as glibc's 64 MiB malloc arena for each thread, as the
	// program's memory (four threads took a program of 2 MiB past a 148 MiB limit).
	const body = await run(t, 'address-space-prot-none.c');
	const vmSizeKb = Number(/^VmSize:\s+(\d+) kB$/m.exec(body['output'])?.[1]);
	t.true(vmSizeKb >= Number(testLimits.C_RUNNER_RUN_MEMORY_MB) * 1024, `the premise: an address space past the limit (VmSize ${vmSizeKb} kB)`);
	t.like(body, {status: 'runtime_error', exit_code: 1, stopped_by: null});
	await assertHostClean(t, server);
});

test.serial('disk fill: the job directory is capped; the host disk is untouched', async t => {
	const body = await run(t, 'disk-fill.c');
	t.is(body['status'], 'ok', body['error']);
	const written = Number(/stopped after (\d+) bytes/.exec(body['output'])?.[1]);
	const diskBytes = Number(testLimits.C_RUNNER_RUN_DISK_MB) * 1024 * 1024;
	t.true(written > diskBytes / 2 && written <= diskBytes, body['output']);
	t.regex(body['output'], /\(ENOSPC\)/);
	await assertHostClean(t, server);
});

test.serial('file size: one file past the limit is killed by SIGXFSZ', async t => {
	const body = await run(t, 'file-size.c');
	t.like(body, {status: 'file_size_limit', stopped_by: 'file_size', exit_code: -25, signal: 'SIGXFSZ'});
	await assertHostClean(t, server);
});

test.serial('host files cannot be read at run time', async t => {
	const body = await run(t, 'read-host-files.c');
	t.is(body['status'], 'ok', body['error']);
	t.notRegex(body['output'], /LEAKED/);
	t.regex(body['output'], /\/etc\/shadow: blocked/);
	t.regex(body['output'], /\/usr\/bin\/gcc: blocked/);
	await assertHostClean(t, server);
});

for (const name of ['include-shadow.c', 'include-etc-passwd.c', 'incbin-shadow.c']) {
	test.serial(`host files cannot be read at compile time: ${name}`, async t => {
		const body = await run(t, name);
		t.like(body, {status: 'compile_error', exit_code: 1, output: ''});
		t.regex(body['error'], /No such file or directory|file not found|can't open/i);
		t.notRegex(body['error'], /root:[^\n]*:0:0:/, 'no line of a passwd or shadow file');
		await assertHostClean(t, server);
	});
}

/** A regular file of the host's /usr/local that the job's uid may read, a few levels deep; null when it has none. */
function readableUsrLocalFile(dir = '/usr/local', depth = 3): string | null {
	for (const entry of fs.readdirSync(dir, {withFileTypes: true}).sort((a, b) => a.name.localeCompare(b.name))) {
		const full = `${dir}/${entry.name}`;
		if (entry.isFile() && (fs.statSync(full).mode & 0o004) !== 0 && fs.statSync(full).size > 0) {
			return full;
		}

		if (entry.isDirectory() && depth > 1) {
			const found = readableUsrLocalFile(full, depth - 1);
			if (found !== null) {
				return found;
			}
		}
	}

	return null;
}

test.serial('the machine\'s own /usr/local is empty at compile time: incbin-usr-local.c', async t => {
	const target = fs.existsSync('/usr/local') ? readableUsrLocalFile() : null;
	if (target === null) {
		t.fail('this host has no world-readable file under /usr/local to try: the test cannot show anything here');
		return;
	}

	const body = await run(t, 'incbin-usr-local.c', {code: example('incbin-usr-local.c').replace('/usr/local/bin/placeholder', target)});
	t.like(body, {status: 'compile_error', output: ''}, target);
	t.regex(body['error'], new RegExp(`file not found: ${target.replaceAll(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
	await assertHostClean(t, server);
});

test.serial('no network: connects to the server, the host and the internet fail', async t => {
	const port = new URL(server.url).port;
	const body = await run(t, 'network.c', {args: [port]});
	t.is(body['status'], 'ok', body['error']);
	t.notRegex(body['output'], /ESCAPED/);
	t.regex(body['output'], new RegExp(`connect 127\\.0\\.0\\.1:${port}: blocked`));
	await assertHostClean(t, server);
});

test.serial('writes outside the job directory and /tmp fail', async t => {
	const body = await run(t, 'write-outside.c');
	t.is(body['status'], 'ok', body['error']);
	t.notRegex(body['output'], /ESCAPED/);
	t.regex(body['output'], /cwd: ok/);
	t.regex(body['output'], /tmp: ok/);
	await assertHostClean(t, server);
});

test.serial('signals reach only the sandbox\'s own processes; the server survives', async t => {
	const body = await run(t, 'signal-others.c');
	t.is(body['status'], 'ok', body['error']);
	t.regex(body['output'], /alive/);
	const visible = Number(/visible_pids=(\d+)/.exec(body['output'])?.[1]);
	t.true(visible <= 2, body['output']);
	t.is(server.process.exitCode, null, 'the server still runs');
	t.is((await fetch(`${server.url}/health`)).status, 200);
	await assertHostClean(t, server);
});

test.serial('the server\'s environment is invisible, also through /proc', async t => {
	const body = await run(t, 'env-canary.c');
	t.is(body['status'], 'ok', body['error']);
	t.regex(body['output'], /canary: absent/);
	t.notRegex(body['output'], /server-secret-canary|C_RUNNER/);
	await assertHostClean(t, server);
});

test.serial('a daemonised background child does not outlive the job', async t => {
	const started = Date.now();
	const body = await run(t, 'background-child.c');
	t.like(body, {status: 'ok', exit_code: 0});
	t.regex(body['output'], /^main done\n/);
	t.true(Date.now() - started < 10_000, 'the job returned promptly');
	await assertHostClean(t, server);
});

test.serial('exit(139) is 139; SIGSEGV is -11; raise(SIGKILL) is -9', async t => {
	t.like(await run(t, 'exit-139.c'), {status: 'runtime_error', exit_code: 139, signal: null});
	t.like(await run(t, 'null-deref.c'), {status: 'signalled', exit_code: -11, signal: 'SIGSEGV'});
	t.like(await run(t, 'raise-sigkill.c'), {status: 'signalled', exit_code: -9, signal: 'SIGKILL'});
	await assertHostClean(t, server);
});

test.serial('stack overflow is a SIGSEGV', async t => {
	t.like(await run(t, 'stack-overflow.c'), {exit_code: -11, signal: 'SIGSEGV'});
	await assertHostClean(t, server);
});

test.serial('open files are capped', async t => {
	const body = await run(t, 'open-files.c');
	const count = Number(/open_files=(\d+)/.exec(body['output'])?.[1]);
	t.true(count > 0 && count < Number(testLimits.C_RUNNER_RUN_OPEN_FILES), body['output']);
	t.regex(body['output'], /EMFILE/);
	await assertHostClean(t, server);
});

test.serial('a deep tree of odd-mode files is cleaned up', async t => {
	const body = await run(t, 'many-files.c');
	t.like(body, {status: 'ok', output: 'made tree\n'});
	await assertHostClean(t, server);
});

test.serial('two concurrent jobs cannot see or touch each other\'s directories', async t => {
	const victim = execute(server, {code: example('job-victim.c'), time_limit_ms: 3000});
	// Its program runs (not a guess at how long its compile takes).
	t.true(await waitFor(() => programRuns(server), 10_000), 'the victim job is running');
	const [victimDir] = leftoverJobDirs(server);
	t.truthy(victimDir, 'its job directory is there');
	const attacker = await execute(server, {code: example('job-attacker.c'), args: [`${server.jobRoot}/${victimDir}`]});
	t.is(attacker.body['status'], 'ok', attacker.body['error']);
	t.notRegex(attacker.body['output'], /ESCAPED/);
	t.regex(attacker.body['output'], /other-job: blocked/);
	t.true(fs.existsSync(`${server.jobRoot}/${victimDir}`), 'the victim was still running during the attack');
	const victimResult = await victim;
	t.like(victimResult.body, {status: 'ok', output: 'victim: intact\n'});
	await assertHostClean(t, server);
});

test.serial('a program whose object file passes the compile file size limit: stopped_by file_size, said so, not kept in the cache', async t => {
	// 100 MiB of initialised data: the assembler's object file passes the compile limit of 64 MiB per file.
	const code = '#include <stdio.h>\nchar big[100u << 20] = {1};\nint main(int argc, char **argv) { (void)argv; printf("%d\\n", big[argc * 1000]); return 0; }\n';
	for (const attempt of ['first', 'again']) {
		const {status, body} = await execute(server, {code});
		t.is(status, 200);
		t.like(body, {status: 'compile_error', stopped_by: 'file_size', compile_cached: false}, attempt);
		t.regex(body['error'], /c-runner: compilation stopped by the compile file size limit of 64 MiB\n$/);
	}

	await assertHostClean(t, server);
});

for (const [name, compiler] of [['include-dev-zero.c', 'gcc'], ['macro-expansion-bomb.c', 'gcc'], ['macro-expansion-bomb.c', 'tcc']] as const) {
	test.serial(`a compile whose allocation the compile memory limit refuses: stopped_by memory, said so, not kept in the cache: ${name} with ${compiler}`, async t => {
		// The refused allocation is never mapped nor resident: only the compiler's own message tells.
		for (const attempt of ['first', 'again']) {
			const body = await run(t, name, {compiler});
			t.like(body, {status: 'compile_error', stopped_by: 'memory', compile_cached: false}, attempt);
			t.regex(body['error'], /(?:out of memory allocating \d+ bytes|memory full \(realloc\))[^]*\nc-runner: compilation stopped by the compile memory limit of 1024 MiB\n$/);
		}

		await assertHostClean(t, server);
	});
}

test.serial('100 GiB of thread-local data, allocated by the C library before main: memory_limit, as for static data: tls-huge.c', async t => {
	const body = await run(t, 'tls-huge.c');
	t.like(body, {status: 'memory_limit', stopped_by: 'memory', output: ''}, body['error']);
	await assertHostClean(t, server);
});

test.serial('a compiler that exits 0 without writing a program: its compile error, not a 500: tcc-no-program.c', async t => {
	for (const attempt of [false, true]) {
		const body = await run(t, 'tcc-no-program.c', {compiler: 'tcc'});
		t.like(body, {status: 'compile_error', stopped_by: null, exit_code: 1, compile_cached: attempt});
		t.regex(body['error'], /^0\.9\.27\nc-runner: the compiler exited 0 but wrote no program\n$/);
	}

	await assertHostClean(t, server);
});

test.serial('stdin mapped into memory, the fast-input idiom, is not taken for memory the program holds: mmap-stdin.c at 2 MiB', async t => {
	const stdin = 'x'.repeat(1024 * 1024);
	const body = await run(t, 'mmap-stdin.c', {stdin, memory_limit_mb: 2});
	t.like(body, {status: 'ok', output: `sum ${120 * 1024 * 1024}\n`}, body['error']);
	t.true(body['memory_kb'] < 2048, `memory_kb ${body['memory_kb']}`);
	await assertHostClean(t, server);
});

test.serial('a program of 60 MB of data (inside the compile file limit) runs, and runs again from the cache: large-program.c', async t => {
	for (const attempt of [false, true]) {
		const body = await run(t, 'large-program.c', {time_limit_ms: 5000});
		t.like(body, {status: 'ok', output: '1\n', compile_cached: attempt}, body['error']);
	}

	await assertHostClean(t, server);
});

test.serial('a program that cannot be started (its ELF interpreter does not exist) is its own runtime error, not a 500 nor a sandbox failure', async t => {
	const startFailures = async () => Number(/^c_runner_sandbox_start_failures_total\{step="run"\} (\d+)$/m.exec(await (await fetch(`${server.url}/metrics`)).text())?.[1] ?? 0);
	const before = await startFailures();
	const body = await run(t, 'bad-interpreter.c');
	t.like(body, {status: 'runtime_error', exit_code: 127, signal: null, output: ''});
	t.regex(body['error'], /^c-runner: the program could not be started: execve failed with ENOENT/);
	const judged = await fetch(`${server.url}/judge_c`, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({code: example('bad-interpreter.c'), testcases: [{output: 'never printed'}]})});
	t.is(judged.status, 200);
	t.like(await judged.json(), {verdict: 'RE', results: [{verdict: 'RE', status: 'runtime_error', exit_code: 127}]});
	t.is(await startFailures(), before, 'no sandbox start failure counted');
	await assertHostClean(t, server);
});

test.serial('the helper\'s report cannot be forged from inside the sandbox', async t => {
	const body = await run(t, 'forge-report.c');
	t.notRegex(body['output'], /ESCAPED/);
	t.regex(body['output'], /^ptrace attach 1: blocked/m);
	t.like(body, {status: 'runtime_error', exit_code: 7});
	await assertHostClean(t, server);
});

test.serial('stdin: any bytes reach the program, NUL included; without stdin the program reads EOF at once', async t => {
	t.like(await run(t, 'echo-stdin.c', {stdin: 'a\u0000b\n'}), {status: 'ok', output: 'a\u0000b\nbytes=4\n'});
	t.like(await run(t, 'echo-stdin.c'), {status: 'ok', output: 'bytes=0\n'});
	await assertHostClean(t, server);
});

test.serial('the math library is linked; warnings stay out of the program\'s stderr', async t => {
	t.like(await run(t, 'math.c'), {status: 'ok', output: 'sqrt(2)=1.414214 pow(2,10)=1024\n'});
	const warned = await run(t, 'warning.c');
	t.like(warned, {status: 'ok', output: 'ran\n', error: ''});
	t.regex(warned['warnings'], /warning: unused variable 'unused'/);
	await assertHostClean(t, server);
});

test.serial('the reference\'s examples as kept in examples/', async t => {
	t.like(await run(t, 'hello.c'), {status: 'ok', output: 'Hello from C!', exit_code: 0});
	const args = await run(t, 'args.c', {args: 'hello world 123'});
	t.regex(args['output'], new RegExp(`^Args: 4\\n${server.jobRoot}/c_exec_[\\da-f-]{36}/source\\nhello\\nworld\\n123\\n$`));
	t.like(await run(t, 'file-io.c'), {status: 'ok', output: 'File contents:\nHello, File I/O!\nLine 2\n'});
	t.like(await run(t, 'multi-file.c'), {status: 'ok', output: 'Created file1.txt\nCreated file2.txt\nCreated file3.txt\n\nReading files:\nfile1.txt: This is file number 1\nfile2.txt: This is file number 2\nfile3.txt: This is file number 3\n'});
	const failed = await run(t, 'compile-error.c');
	t.like(failed, {status: 'compile_error', exit_code: 1, output: ''});
	t.regex(failed['error'], /source\.c:5:28: error: expected '\)' before 'return'/);
	await assertHostClean(t, server);
});
