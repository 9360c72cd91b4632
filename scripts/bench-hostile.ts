// `npm run bench:hostile`: what hostile requests cost the server, measured inside it (scripts/event-loop-monitor.mjs
// preloaded: worst event-loop delay, RSS) and from outside (answer sizes, a probe's worst latency):
//   - a 1.6 KB /judge_c request: 200 test cases of a program printing 64 KiB of NULs on stdout and stderr;
//   - /execute_c printing 1 MiB of NULs on each stream; a 2 MiB body of escapes;
//   - 24 clients that send /execute_c (1 MiB of NULs) and never read the answer: memory per unread answer, and
//     whether the server cuts them (C_RUNNER_SEND_TIMEOUT_MS, 5 s here);
//   - a judge of 20 test cases of a 60 MB program (large-program.c): copied into each job's directory and sandbox;
//   - the start-up sweep of 200 stale job directories, and of 50,000 entries of that name of another user's.
// Prints figures only; nothing here asserts a time. Default limits, concurrency 8, against 127.0.0.1 only.
// BENCH_NODE_OPTIONS adds Node options to the server, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile it.
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {example, startServer, type RunningServer} from '../test/helpers/server.ts';
import {monitorOptions, probed, sampleMonitor} from './event-loop-probe.ts';

const sendTimeoutMs = 5000;
const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const peakRssMiB = (pid: number) => Number(/^VmHWM:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;

async function post(server: RunningServer, route: string, body: string) {
	const response = await fetch(`${server.url}${route}`, {method: 'POST', headers: {'Content-Type': 'application/json'}, body});
	return {status: response.status, bytes: (await response.arrayBuffer()).byteLength};
}

async function scenario(server: RunningServer, name: string, run: () => Promise<string>) {
	await sampleMonitor(server);
	const rssBefore = (await sampleMonitor(server)).rssMiB;
	const peakBefore = peakRssMiB(server.pid);
	const {result, probeMaxMs} = await probed(server, run);
	const after = await sampleMonitor(server);
	console.log(`${name}: ${result}; worst event-loop stall ${after.maxDelayMs} ms (p99 ${after.p99DelayMs} ms); probe's worst wait ${probeMaxMs} ms; RSS ${rssBefore} → ${after.rssMiB} MiB, peak +${Math.round(peakRssMiB(server.pid) - peakBefore)} MiB`);
}

/** Sends a request on a raw socket and never reads: the answer waits in the server (and the kernel) for us. */
function unreadRequest(server: RunningServer, body: string): net.Socket {
	const {port} = new URL(server.url);
	const socket = net.connect(Number(port), '127.0.0.1');
	socket.setNoDelay(true);
	socket.write(`POST /execute_c HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
	socket.pause();
	socket.on('error', () => {});
	return socket;
}

const server = await startServer({
	uidBase: 65_500,
	defaultLimits: true,
	env: {NODE_OPTIONS: `--expose-gc ${monitorOptions} ${process.env['BENCH_NODE_OPTIONS'] ?? ''}`, C_RUNNER_CONCURRENCY: '8', C_RUNNER_SEND_TIMEOUT_MS: String(sendTimeoutMs)},
});
try {
	const nulls = example('null-flood.c');
	const judgeBody = JSON.stringify({code: nulls, testcases: Array.from({length: 200}, () => ({output: ''}))});
	await scenario(server, `/judge_c, ${judgeBody.length} B request, 200 × 64 KiB NULs`, async () => {
		const {status, bytes} = await post(server, '/judge_c', judgeBody);
		return `${status}, answer ${bytes} B (${mib(bytes)})`;
	});
	await scenario(server, '/execute_c, 1 MiB of NULs on stdout and stderr', async () => {
		const {status, bytes} = await post(server, '/execute_c', JSON.stringify({code: nulls, stdin: '1048576'}));
		return `${status}, answer ${bytes} B (${mib(bytes)})`;
	});
	const escapes = '\\u0000'.repeat(Math.floor(((2 * 1024 * 1024) - 2000) / 6));
	await scenario(server, '/execute_c, a 2 MiB body: stdin of escaped NULs', async () => {
		const {status, bytes} = await post(server, '/execute_c', `{"code": ${JSON.stringify(nulls)}, "stdin": "${escapes}"}`);
		return `${status}, answer ${bytes} B`;
	});

	const large = example('large-program.c');
	await scenario(server, '/judge_c, 20 test cases of a 60 MB program (large-program.c)', async () => {
		const {status, bytes} = await post(server, '/judge_c', JSON.stringify({code: large, testcases: Array.from({length: 20}, () => ({output: '1'}))}));
		return `${status}, answer ${bytes} B`;
	});

	const clients = 24;
	const unreadBody = JSON.stringify({code: nulls, stdin: '1048576'});
	await sampleMonitor(server);
	const rssBefore = (await sampleMonitor(server)).rssMiB;
	const done = server.logs.length;
	const sockets = Array.from({length: clients}, () => unreadRequest(server, unreadBody));
	const connections = () => spawnSync('ss', ['-Htn', 'state', 'established', `( sport = :${new URL(server.url).port} )`]).stdout.toString().split('\n').filter(line => line.trim() !== '').length;
	const started = performance.now();
	while (server.logs.slice(done).filter(entry => entry['msg'] === 'request done').length < clients && performance.now() - started < 120_000) {
		await sleep(100);
	}

	await sleep(500);
	const pinned = await sampleMonitor(server);
	console.log(`${clients} unread /execute_c answers (1 MiB of NULs each): RSS ${rssBefore} → ${pinned.rssMiB} MiB, ${((pinned.rssMiB - rssBefore) / clients).toFixed(1)} MiB per unread answer; array buffers ${pinned.arrayBuffersMiB} MiB; worst stall ${pinned.maxDelayMs} ms`);
	const open = connections();
	await sleep(sendTimeoutMs + 1000);
	const later = await sampleMonitor(server);
	console.log(`  ${sendTimeoutMs + 1000} ms later: server connections ${open} → ${connections()}; RSS ${later.rssMiB} MiB, array buffers ${later.arrayBuffersMiB} MiB`);
	await sleep(sendTimeoutMs);
	const last = await sampleMonitor(server);
	console.log(`  ${(2 * sendTimeoutMs) + 1000} ms later: RSS ${last.rssMiB} MiB, array buffers ${last.arrayBuffersMiB} MiB`);
	for (const socket of sockets) {
		socket.destroy();
	}
} finally {
	await server.stop();
}

// The sweep: 200 stale directories of a dead instance, 50 files each, in a private job root; beside them, 50,000
// directories of the job directories' name made by another user (anyone may, in /tmp), each looked at and left.
const jobRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'c-runner-bench-'));
// Ours, made 0700 by mkdtemp: the sandbox uids must be able to enter it, as any job root.
fs.chmodSync(jobRoot, 0o711);
const dead = JSON.stringify({pid: spawnSync('true').pid, start: '1'});
for (let index = 0; index < 200; index++) {
	const dir = path.join(jobRoot, `c_exec_00000000-0000-4000-8000-${String(index).padStart(12, '0')}`);
	fs.mkdirSync(dir, {mode: 0o700});
	fs.writeFileSync(path.join(dir, '.owner'), dead, {mode: 0o600});
	for (let file = 0; file < 50; file++) {
		fs.writeFileSync(path.join(dir, `f${file}`), 'x');
	}
}

const foreign = 50_000;
for (let index = 0; index < foreign; index++) {
	const dir = path.join(jobRoot, `c_exec_00000000-0000-4000-9000-${String(index).padStart(12, '0')}`);
	fs.mkdirSync(dir);
	fs.lchownSync(dir, 65_534, 65_534);
}

let sweeping: RunningServer | undefined;
try {
	sweeping = await startServer({uidBase: 65_500, defaultLimits: true, jobRoot});
	const done = sweeping.logs.find(entry => entry['msg'] === 'start-up sweep done');
	const listening = sweeping.logs.find(entry => entry['msg'] === 'c-runner listening');
	console.log(`start-up sweep: ${String(listening?.['swept'])} stale directories (50 files each) removed and ${String(done?.['leftAlone'])} of another user's (${foreign} made) left alone in ${String(done?.['durationMs'] ?? '?')} ms`);
} finally {
	// Its 200 directories go whether the server started or not.
	await sweeping?.stop();
	fs.rmSync(jobRoot, {recursive: true, force: true});
}
