// `npm run bench`: in one run, the p50 of a hello-world request through c-runner (HTTP, queue, two sandboxes,
// gcc, cleanup) and of the bare floor it stands on (`gcc hello.c && ./a.out` on the same machine), and their ratio.
// Then one program judged against 20 test cases by one POST /judge_c, against the same 20 runs as 20 separate
// POST /execute_c calls (one after another, and all at once). Prints figures only; nothing here asserts a time.
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {compileArgv, programFromCode} from '../src/job/language.ts';
import {execute, example, startServer} from '../test/helpers/server.ts';

const rounds = Number(process.env['BENCH_ROUNDS'] ?? 30);
const warmup = 3;
const hello = example('hello.c');

function percentile(samples: number[], fraction: number): number {
	const sorted = [...samples].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]!;
}

async function measure(name: string, once: () => Promise<void> | void): Promise<number[]> {
	for (let index = 0; index < warmup; index++) {
		await once();
	}

	const samples: number[] = [];
	for (let index = 0; index < rounds; index++) {
		const started = performance.now();
		await once();
		samples.push(performance.now() - started);
	}

	process.stderr.write(`bench: ${name} done\n`);
	return samples;
}

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'c-runner-bench-'));
const program = programFromCode(hello);
fs.writeFileSync(path.join(scratch, program.files[0]!.name), hello);
const floor = await measure('bare gcc + run', () => {
	// The same command c-runner runs, without any sandbox, HTTP or cleanup.
	const [compiler, ...compileArgs] = compileArgv(program, 'a.out');
	const compile = spawnSync(compiler!, compileArgs, {cwd: scratch});
	const run = spawnSync(path.join(scratch, 'a.out'));
	if (compile.status !== 0 || run.stdout.toString() !== 'Hello from C!') {
		throw new Error(`bare pipeline failed: ${compile.stderr.toString()}`);
	}
});
fs.rmSync(scratch, {recursive: true, force: true});

const judgeTests = 20;
const judgeRounds = Number(process.env['BENCH_JUDGE_ROUNDS'] ?? 5);
const doubler = example('double.c');
const testcases = Array.from({length: judgeTests}, (_unused, index) => ({id: index, input: `${index}\n`, output: `${2 * index}`}));

const server = await startServer({uidBase: 62_900, defaultLimits: true});
let service: number[];
const judgeFigures: Record<'judge' | 'sequential' | 'parallel', number[]> = {judge: [], sequential: [], parallel: []};
try {
	service = await measure('c-runner POST /execute_c', async () => {
		const {status, body} = await execute(server, {code: hello});
		if (status !== 200 || body['output'] !== 'Hello from C!') {
			throw new Error(`c-runner answered ${status}: ${JSON.stringify(body)}`);
		}
	});

	const executeOne = async (testcase: typeof testcases[number]) => {
		const {status, body} = await execute(server, {code: doubler, stdin: testcase.input});
		if (status !== 200 || body['output'].trim() !== testcase.output) {
			throw new Error(`c-runner answered ${status}: ${JSON.stringify(body)}`);
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
	// Interleaved rounds, so drift over the run touches all three alike.
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
} finally {
	await server.stop();
}

const row = (name: string, samples: number[]) => `${name.padEnd(34)} p50 ${percentile(samples, 0.5).toFixed(1).padStart(7)} ms   p90 ${percentile(samples, 0.9).toFixed(1).padStart(7)} ms`;
console.log(`hello world, ${rounds} rounds each after ${warmup} warm-up rounds, ${os.cpus().length} cores`);
console.log(row('c-runner POST /execute_c', service));
console.log(row('bare gcc hello.c && ./a.out', floor));
console.log(`ratio (p50 c-runner / p50 bare)    ${(percentile(service, 0.5) / percentile(floor, 0.5)).toFixed(2)}x`);

const judgeP50 = percentile(judgeFigures.judge, 0.5);
console.log('');
console.log(`one program, ${judgeTests} test cases, ${judgeRounds} rounds each after 1 warm-up round, default concurrency ${Math.max(4, 2 * os.availableParallelism())}`);
console.log(row('POST /judge_c, 20 test cases', judgeFigures.judge));
console.log(row('20 POST /execute_c, one by one', judgeFigures.sequential));
console.log(row('20 POST /execute_c, all at once', judgeFigures.parallel));
console.log(`ratio (20 /execute_c one by one / /judge_c)   ${(percentile(judgeFigures.sequential, 0.5) / judgeP50).toFixed(2)}x`);
console.log(`ratio (20 /execute_c all at once / /judge_c)  ${(percentile(judgeFigures.parallel, 0.5) / judgeP50).toFixed(2)}x`);
