// `npm run bench`: one table from one run, every figure with its ratio to the bare floor it stands on
// (c-runner's own gcc command for a hello world, then `./a.out`, on the same machine, measured interleaved with the
// server's requests, so drift over the run touches both alike):
//   cold gcc      a hello world with a new source each time (no cache can help), p50 and p90;
//   cached        the same source again: the compile comes from the compile cache;
//   tcc           a new source each time, `"compiler": "tcc"`;
//   ahead off     cold gcc and cached again, on a server with C_RUNNER_LAUNCH_AHEAD=off: each step makes its own
//                 sandbox, so the figure against cold gcc and cached is what the sandboxes made ahead save;
//   unprivileged  cold gcc again, on a server that is not root: no job cgroups (the helper's own accounting), so the
//                 figure against cold gcc is what the job cgroups cost (mostly the kernel's cgroup migration lock:
//                 `npm run bench:sandbox`);
//   ld.bfd        the floor again, linked by gcc's default ld.bfd instead of gold (which c-runner, and so the floor,
//                 link with where the host has it): what gold saves every cold compile;
//   in sandboxes  the floor again, each step in a fresh sandbox of c-runner's, without and with a job cgroup per
//                 step, and nothing else of c-runner (scripts/sandboxed-floor.ts): what the sandboxes alone cost;
//   4 clients     four clients against 127.0.0.1 for a bounded time (new sources), req/s, p50 and p90, against four
//                 bare pipelines side by side and four in sandboxes (the most a server that makes a fresh sandbox
//                 for each step could reach, however little it did itself); the CPU time a request took meanwhile
//                 (from /proc: the process running the pipelines or the server, and its children); the server's
//                 RSS before and after;
// then the per-stage breakdown (the answers' Server-Timing headers, medians), one program judged against 20
// test cases by one POST /judge_c against the same 20 runs as 20 POST /execute_c calls, and the event loop while
// cold requests come one at a time: the server's worst delay (scripts/event-loop-monitor.mjs, preloaded) and what a
// small request sent every 5 ms waited meanwhile. Prints figures only;
// nothing here asserts a time.
import {spawn, spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {loadConfig} from '../src/config.ts';
import {compileArgv, programFromCode} from '../src/job/language.ts';
import {stageNames} from '../src/job/timings.ts';
import {procStatFields} from '../src/proc.ts';
import {example, startServer, uidOffset, type RunningServer} from '../test/helpers/server.ts';
import {monitorOptions, probed, sampleMonitor} from './event-loop-probe.ts';
import {sandboxedFloor, type SandboxedFloor} from './sandboxed-floor.ts';

const rounds = Number(process.env['BENCH_ROUNDS'] ?? 30);
const warmup = 3;
const loadSeconds = Number(process.env['BENCH_LOAD_SECONDS'] ?? 12);
const clients = 4;
const hello = example('hello.c');
/** A hello world no earlier request sent: a comment makes each source new. */
let serial = 0;
const freshHello = () => `${hello}\n// ${process.pid}-${serial++}\n`;

function percentile(samples: readonly number[], fraction: number): number {
	const sorted = [...samples].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? Number.NaN;
}

const median = (samples: readonly number[]) => percentile(samples, 0.5);

// The floor: the same compile command c-runner runs (with the linker it chooses here), and the program, without any
// sandbox, HTTP or cleanup.
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'c-runner-bench-'));
const [compiler, ...compileArgs] = compileArgv(programFromCode(hello), 'a.out', loadConfig(process.env).linker);
const bfdArgs = compileArgv(programFromCode(hello), 'a.out', 'bfd').slice(1);

function checkBare(status: number | null, stdout: string, stderr: string) {
	if (status !== 0 || stdout !== 'Hello from C!') {
		throw new Error(`bare pipeline failed: ${stderr}`);
	}
}

function bareOnce(args = compileArgs) {
	const dir = fs.mkdtempSync(path.join(scratch, 'p-'));
	fs.writeFileSync(path.join(dir, 'source.c'), freshHello());
	const compile = spawnSync(compiler!, args, {cwd: dir});
	const run = spawnSync(path.join(dir, 'a.out'));
	checkBare(compile.status === 0 ? run.status : compile.status, run.stdout?.toString() ?? '', compile.stderr.toString());
	fs.rmSync(dir, {recursive: true, force: true});
}

const exitOf = async (file: string, args: readonly string[], cwd: string) => new Promise<{status: number | null; stdout: string; stderr: string}>((resolve, reject) => {
	const child = spawn(file, args, {cwd});
	let stdout = '';
	let stderr = '';
	child.stdout.on('data', (chunk: Buffer) => {
		stdout += chunk.toString();
	});
	child.stderr.on('data', (chunk: Buffer) => {
		stderr += chunk.toString();
	});
	child.once('error', reject);
	child.once('close', status => resolve({status, stdout, stderr}));
});

/** One bare pipeline without blocking the event loop, for the floor's side-by-side throughput. */
async function bareAsync() {
	const dir = await fs.promises.mkdtemp(path.join(scratch, 'p-'));
	await fs.promises.writeFile(path.join(dir, 'source.c'), freshHello());
	const compile = await exitOf(compiler!, compileArgs, dir);
	const run = compile.status === 0 ? await exitOf(path.join(dir, 'a.out'), [], dir) : compile;
	checkBare(run.status, run.stdout, compile.stderr);
	await fs.promises.rm(dir, {recursive: true, force: true});
}

type Stages = Partial<Record<string, number>>;

/** One POST /execute_c; its time, as the client saw it, and the server's Server-Timing stages. */
async function request(server: RunningServer, body: Record<string, unknown>, expectCached?: boolean): Promise<{ms: number; stages: Stages}> {
	const started = performance.now();
	const response = await fetch(`${server.url}/execute_c`, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)});
	const answer = await response.json() as Record<string, unknown>;
	const ms = performance.now() - started;
	if (response.status !== 200 || answer['output'] !== 'Hello from C!' || (expectCached !== undefined && answer['compile_cached'] !== expectCached)) {
		throw new Error(`c-runner answered ${response.status}: ${JSON.stringify(answer)}`);
	}

	const stages: Stages = {};
	for (const part of (response.headers.get('server-timing') ?? '').split(', ')) {
		const [name, duration] = part.split(';dur=');
		stages[name!] = Number(duration);
	}

	return {ms, stages};
}

const rssKb = (pid: number) => Number(/^VmRSS:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? Number.NaN);

/** A process's CPU time so far, ms: its own, and that of its children it has waited for (theirs included). */
function cpuMs(pid: number | 'self'): {own: number; children: number} {
	// utime (field 14), stime (15), cutime (16) and cstime (17), in clock ticks, 100 a second on Linux.
	const fields = procStatFields(pid === 'self' ? process.pid : pid);
	if (fields === null) {
		throw new Error(`no process ${pid} to measure`);
	}

	return {own: (Number(fields[11]) + Number(fields[12])) * 10, children: (Number(fields[13]) + Number(fields[14])) * 10};
}

interface Load {
	done: number;
	errors: number;
	latencies: number[];
	seconds: number;
	/** CPU time of the process measured (see load) and of its children, ms. */
	cpuMs: number;
}

/**
 * `clients` loops for `seconds`, each starting its next as its last ends; the run's completions, latencies, and the
 * CPU time `cpuOf` used meanwhile (this process for pipelines it runs itself, the server's for requests).
 */
async function load(seconds: number, once: () => Promise<void>, cpuOf: number | 'self' = 'self'): Promise<Load> {
	const until = performance.now() + (seconds * 1000);
	const latencies: number[] = [];
	let errors = 0;
	const started = performance.now();
	const cpuBefore = cpuMs(cpuOf);
	await Promise.all(Array.from({length: clients}, async () => {
		while (performance.now() < until) {
			const begun = performance.now();
			try {
				await once();
				latencies.push(performance.now() - begun);
			} catch {
				errors++;
			}
		}
	}));
	const cpuAfter = cpuMs(cpuOf);
	return {done: latencies.length, errors, latencies, seconds: (performance.now() - started) / 1000, cpuMs: cpuAfter.own + cpuAfter.children - cpuBefore.own - cpuBefore.children};
}

/** A kind of load's totals over its halves. */
const totals = () => ({done: 0, seconds: 0, errors: 0, cpuMs: 0, latencies: [] as number[]});
function add(total: ReturnType<typeof totals>, run: Load) {
	total.done += run.done;
	total.seconds += run.seconds;
	total.errors += run.errors;
	total.cpuMs += run.cpuMs;
	total.latencies.push(...run.latencies);
}

// The floor again, each step in a fresh sandbox of c-runner's (scripts/sandboxed-floor.ts), with and without job
// cgroups: the most a server that starts a sandbox per step could reach, whatever its own work.
const floorUids = Array.from({length: clients}, (_unused, index) => 66_980 + uidOffset + index);
const sandboxed = {
	plain: await sandboxedFloor(loadConfig(process.env), floorUids, false, 'Hello from C!'),
	cgroups: await sandboxedFloor(loadConfig(process.env), floorUids, true, 'Hello from C!'),
} satisfies Record<string, SandboxedFloor>;
const sandboxedOnce = (which: keyof typeof sandboxed) => async () => sandboxed[which].once(programFromCode(freshHello()));
// The monitor (scripts/event-loop-monitor.mjs) answers SIGUSR2 with the worst event-loop delay since the last one.
const server = await startServer({uidBase: 66_900, defaultLimits: true, env: {NODE_OPTIONS: monitorOptions}});
const unprivileged = await startServer({uidBase: 66_920, runAs: 66_920, defaultLimits: true});
const noAhead = await startServer({uidBase: 66_960, defaultLimits: true, env: {C_RUNNER_LAUNCH_AHEAD: 'off'}});
const floor: number[] = [];
const floorBfd: number[] = [];
const floorSandboxed: Record<keyof typeof sandboxed, number[]> = {plain: [], cgroups: []};
const kinds = ['cold', 'cached', 'tcc', 'cold, ahead off', 'cached, ahead off', 'unprivileged'] as const;
const figures = Object.fromEntries(kinds.map(kind => [kind, [] as number[]])) as Record<typeof kinds[number], number[]>;
const stages = Object.fromEntries(kinds.map(kind => [kind, [] as Stages[]])) as Record<typeof kinds[number], Stages[]>;
let rssBefore = Number.NaN;
let rssAfter = Number.NaN;
const throughput = {floor: totals(), sandboxed: totals(), sandboxedCgroups: totals(), server: totals()};
const judgeFigures: Record<'judge' | 'sequential' | 'parallel', number[]> = {judge: [], sequential: [], parallel: []};
/** Cold hello worlds sent one at a time, 40 ms apart, while a GET /openapi.json goes every 5 ms. */
const loopJobs = 40;
let eventLoop: {maxDelayMs: number; p99DelayMs: number; probeMaxMs: number; probeP99Ms: number} | undefined;
try {
	const cachedSource = freshHello();
	await request(server, {code: cachedSource}, false);
	await request(noAhead, {code: cachedSource}, false);
	// Interleaved rounds: a bare floor, then each kind of request, round after round.
	for (let round = -warmup; round < rounds; round++) {
		const started = performance.now();
		bareOnce();
		const bare = performance.now() - started;
		bareOnce(bfdArgs);
		const bareBfd = performance.now() - started - bare;
		const inSandboxes: Record<keyof typeof sandboxed, number> = {plain: 0, cgroups: 0};
		for (const which of ['plain', 'cgroups'] as const) {
			const begun = performance.now();
			await sandboxedOnce(which)();
			inSandboxes[which] = performance.now() - begun;
		}

		const cold = await request(server, {code: freshHello()}, false);
		const cached = await request(server, {code: cachedSource}, true);
		const tcc = await request(server, {code: freshHello(), compiler: 'tcc'}, false);
		// The sandboxes that server replaces once it is idle are made now, not in the other servers' requests.
		await new Promise(resolve => setTimeout(resolve, 300));
		const coldOff = await request(noAhead, {code: freshHello()}, false);
		const cachedOff = await request(noAhead, {code: cachedSource}, true);
		const helperOnly = await request(unprivileged, {code: freshHello()}, false);
		if (round >= 0) {
			floor.push(bare);
			floorBfd.push(bareBfd);
			floorSandboxed.plain.push(inSandboxes.plain);
			floorSandboxed.cgroups.push(inSandboxes.cgroups);
			for (const [name, sample] of [['cold', cold], ['cached', cached], ['tcc', tcc], ['cold, ahead off', coldOff], ['cached, ahead off', cachedOff], ['unprivileged', helperOnly]] as const) {
				figures[name].push(sample.ms);
				stages[name].push(sample.stages);
			}
		}
	}

	process.stderr.write('bench: sequential rounds done\n');

	// Throughput, interleaved in halves: the floor, the floor in sandboxes (without and with job cgroups), the server;
	// twice.
	rssBefore = rssKb(server.pid);
	for (let half = 0; half < 2; half++) {
		add(throughput.floor, await load(loadSeconds / 2, bareAsync));
		add(throughput.sandboxed, await load(loadSeconds / 2, sandboxedOnce('plain')));
		add(throughput.sandboxedCgroups, await load(loadSeconds / 2, sandboxedOnce('cgroups')));
		add(throughput.server, await load(loadSeconds / 2, async () => {
			await request(server, {code: freshHello()}, false);
		}, server.pid));
	}

	if (throughput.floor.errors + throughput.sandboxed.errors + throughput.sandboxedCgroups.errors > 0) {
		throw new Error('a pipeline of the floor failed under load');
	}

	rssAfter = rssKb(server.pid);
	process.stderr.write('bench: 4-client load done\n');

	const judgeTests = 20;
	const judgeRounds = Number(process.env['BENCH_JUDGE_ROUNDS'] ?? 5);
	const doubler = example('double.c');
	const testcases = Array.from({length: judgeTests}, (_unused, index) => ({id: index, input: `${index}\n`, output: `${2 * index}`}));
	const executeOne = async (testcase: typeof testcases[number]) => {
		const response = await fetch(`${server.url}/execute_c`, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({code: doubler, stdin: testcase.input})});
		const body = await response.json() as {output?: string};
		if (response.status !== 200 || body.output?.trim() !== testcase.output) {
			throw new Error(`c-runner answered ${response.status}: ${JSON.stringify(body)}`);
		}
	};

	const ways: Record<keyof typeof judgeFigures, () => Promise<void>> = {
		async judge() {
			const response = await fetch(`${server.url}/judge_c`, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({code: doubler, testcases})});
			const body = await response.json() as {passed?: boolean};
			if (response.status !== 200 || body.passed !== true) {
				throw new Error(`c-runner answered ${response.status}: ${JSON.stringify(body)}`);
			}
		},
		async sequential() {
			for (const testcase of testcases) {
				await executeOne(testcase);
			}
		},
		async parallel() {
			await Promise.all(testcases.map(executeOne));
		},
	};
	for (let round = -1; round < judgeRounds; round++) {
		for (const [name, once] of Object.entries(ways) as Array<[keyof typeof judgeFigures, () => Promise<void>]>) {
			const started = performance.now();
			await once();
			if (round >= 0) {
				judgeFigures[name].push(performance.now() - started);
			}
		}
	}

	process.stderr.write('bench: judge against 20 test cases done\n');

	// The event loop while jobs come one at a time: what a small request waits meanwhile, and the server's own worst
	// delay. A sandbox made ahead for the next job is started between them, as in any quiet spell.
	await sampleMonitor(server);
	const {probeMaxMs, probeP99Ms} = await probed(server, async () => {
		for (let index = 0; index < loopJobs; index++) {
			await request(server, {code: freshHello()}, false);
			await new Promise(resolve => setTimeout(resolve, 40));
		}
	}, 5);
	eventLoop = {...await sampleMonitor(server), probeMaxMs, probeP99Ms};
	process.stderr.write('bench: event loop done\n');
} finally {
	await server.stop();
	await unprivileged.stop();
	await noAhead.stop();
	await sandboxed.plain.close();
	await sandboxed.cgroups.close();
	fs.rmSync(scratch, {recursive: true, force: true});
}

const floorP50 = median(floor);
const floorRate = throughput.floor.done / throughput.floor.seconds;
const serverRate = throughput.server.done / throughput.server.seconds;
const sandboxedRate = throughput.sandboxed.done / throughput.sandboxed.seconds;
const sandboxedCgroupsRate = throughput.sandboxedCgroups.done / throughput.sandboxedCgroups.seconds;
/** CPU time a completed pipeline or request under the 4-client load, ms (kernel threads' work, e.g. namespaces torn down, is nobody's). */
const cpuEach = (total: ReturnType<typeof totals>) => total.cpuMs / total.done;
const floorCpu = cpuEach(throughput.floor);
const ms = (value: number) => `${value.toFixed(1)} ms`;
const ratio = (value: number, of: number) => `${(value / of).toFixed(2)}x`;
const rows: Array<[string, string, string]> = [
	['floor: bare gcc + run, p50', ms(floorP50), '1.00x'],
	['floor: bare gcc + run, p90', ms(percentile(floor, 0.9)), ratio(percentile(floor, 0.9), floorP50)],
	['floor linked by ld.bfd (gcc\'s default), p50', ms(median(floorBfd)), ratio(median(floorBfd), floorP50)],
	['floor, each step in a fresh sandbox, p50', ms(median(floorSandboxed.plain)), ratio(median(floorSandboxed.plain), floorP50)],
	['  the same, each step in a job cgroup too, p50', ms(median(floorSandboxed.cgroups)), ratio(median(floorSandboxed.cgroups), floorP50)],
	['cold gcc /execute_c, p50', ms(median(figures.cold)), ratio(median(figures.cold), floorP50)],
	['cold gcc /execute_c, p90', ms(percentile(figures.cold, 0.9)), ratio(percentile(figures.cold, 0.9), percentile(floor, 0.9))],
	['cached /execute_c, p50', ms(median(figures.cached)), ratio(median(figures.cached), floorP50)],
	['tcc /execute_c, p50', ms(median(figures.tcc)), ratio(median(figures.tcc), floorP50)],
	['cold gcc, launchers ahead off, p50', ms(median(figures['cold, ahead off'])), ratio(median(figures['cold, ahead off']), floorP50)],
	['cached, launchers ahead off, p50', ms(median(figures['cached, ahead off'])), ratio(median(figures['cached, ahead off']), floorP50)],
	['cold gcc, unprivileged (no job cgroups), p50', ms(median(figures.unprivileged)), ratio(median(figures.unprivileged), floorP50)],
	[`floor: ${clients} bare pipelines, req/s`, floorRate.toFixed(1), '1.00x'],
	[`${clients} pipelines, each step in a fresh sandbox`, sandboxedRate.toFixed(1), ratio(sandboxedRate, floorRate)],
	['  the same, each step in a job cgroup too', sandboxedCgroupsRate.toFixed(1), ratio(sandboxedCgroupsRate, floorRate)],
	[`${clients} clients, req/s (${throughput.server.errors} errors)`, serverRate.toFixed(1), ratio(serverRate, floorRate)],
	[`${clients} clients, p50`, ms(median(throughput.server.latencies)), ratio(median(throughput.server.latencies), floorP50)],
	[`${clients} clients, p90`, ms(percentile(throughput.server.latencies, 0.9)), ratio(percentile(throughput.server.latencies, 0.9), floorP50)],
	['CPU a request under the load: the floor', ms(floorCpu), '1.00x'],
	['  each step in a fresh sandbox', ms(cpuEach(throughput.sandboxed)), ratio(cpuEach(throughput.sandboxed), floorCpu)],
	['  each step in a job cgroup too', ms(cpuEach(throughput.sandboxedCgroups)), ratio(cpuEach(throughput.sandboxedCgroups), floorCpu)],
	['  the server and its children', ms(cpuEach(throughput.server)), ratio(cpuEach(throughput.server), floorCpu)],
	['server RSS before / after the load', `${(rssBefore / 1024).toFixed(1)} / ${(rssAfter / 1024).toFixed(1)} MiB`, ''],
];

const cpu = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown CPU';
console.log(`c-runner bench, ${new Date().toISOString()}, ${os.availableParallelism()} cores (${cpu}), load average ${os.loadavg().map(value => value.toFixed(2)).join(' ')}`);
console.log(`${rounds} interleaved rounds after ${warmup} warm-up rounds; ${clients}-client load ${loadSeconds} s (two halves, interleaved with the floor's)`);
console.log('');
console.log(`| ${'measure'.padEnd(46)} | ${'figure'.padStart(20)} | ratio to floor |`);
console.log(`|${'-'.repeat(48)}|${'-'.repeat(22)}|----------------|`);
for (const [name, figure, toFloor] of rows) {
	console.log(`| ${name.padEnd(46)} | ${figure.padStart(20)} | ${toFloor.padStart(14)} |`);
}

console.log('');
console.log('per-stage medians from Server-Timing, ms (a stage that did not happen is -)');
console.log(`| ${'stage'.padEnd(16)} | ${kinds.map(kind => kind.padStart(17)).join(' | ')} |`);
for (const stage of stageNames) {
	const cells = kinds.map(kind => {
		const values = stages[kind].map(sample => sample[stage]).filter((value): value is number => value !== undefined);
		return (values.length === 0 ? '-' : median(values).toFixed(1)).padStart(17);
	});
	console.log(`| ${stage.padEnd(16)} | ${cells.join(' | ')} |`);
}

const row = (name: string, samples: number[]) => `${name.padEnd(34)} p50 ${median(samples).toFixed(1).padStart(7)} ms   p90 ${percentile(samples, 0.9).toFixed(1).padStart(7)} ms`;
const judgeP50 = median(judgeFigures.judge);
console.log('');
console.log(`one program (cached after its first compile), 20 test cases, ${judgeFigures.judge.length} rounds each after 1 warm-up round`);
console.log(row('POST /judge_c, 20 test cases', judgeFigures.judge));
console.log(row('20 POST /execute_c, one by one', judgeFigures.sequential));
console.log(row('20 POST /execute_c, all at once', judgeFigures.parallel));
console.log(`ratio (20 /execute_c one by one / /judge_c)   ${(median(judgeFigures.sequential) / judgeP50).toFixed(2)}x`);
console.log(`ratio (20 /execute_c all at once / /judge_c)  ${(median(judgeFigures.parallel) / judgeP50).toFixed(2)}x`);
console.log('');
console.log(`event loop: ${loopJobs} cold /execute_c one at a time, 40 ms apart, a GET /openapi.json every 5 ms meanwhile`);
console.log(`server's event-loop delay   worst ${eventLoop!.maxDelayMs} ms   p99 ${eventLoop!.p99DelayMs} ms`);
console.log(`GET /openapi.json waited    worst ${eventLoop!.probeMaxMs} ms   p99 ${eventLoop!.probeP99Ms} ms`);
