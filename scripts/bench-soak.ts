// `npm run bench:soak`: the server under a steady load for a bounded time (BENCH_SOAK_MINUTES, default 10), against
// 127.0.0.1 only: two clients in turn send new hello worlds, a cached one, a judge of three test cases and a crash.
// Prints the server's RSS at the start and once a minute, the requests answered and any that were not 200. A flat
// RSS is what to look for; nothing here asserts it.
import fs from 'node:fs';
import {example, startServer} from '../test/helpers/server.ts';

const minutes = Number(process.env['BENCH_SOAK_MINUTES'] ?? 10);
const clients = 2;
const rssMiB = (pid: number) => Number(/^VmRSS:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? Number.NaN) / 1024;

const server = await startServer({uidBase: 66_900, defaultLimits: true});
const hello = example('hello.c');
let serial = 0;
const bodies = [
	() => ['/execute_c', {code: `${hello}\n// soak ${serial++}\n`}] as const,
	() => ['/execute_c', {code: hello}] as const,
	() => ['/judge_c', {code: example('double.c'), testcases: [{input: '5\n', output: '10'}, {input: '7\n', output: '14'}, {input: '4\n', output: '9'}]}] as const,
	() => ['/execute_c', {code: example('null-deref.c')}] as const,
];
let answered = 0;
const failures = new Map<number, number>();
const deadline = Date.now() + (minutes * 60_000);

async function client(offset: number) {
	for (let turn = offset; Date.now() < deadline; turn++) {
		const [route, body] = bodies[turn % bodies.length]!();
		const response = await fetch(`${server.url}${route}`, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)});
		await response.arrayBuffer();
		answered++;
		if (response.status !== 200) {
			failures.set(response.status, (failures.get(response.status) ?? 0) + 1);
		}
	}
}

const started = Date.now();
console.log(`soak: ${minutes} min, ${clients} clients, server RSS at the start ${rssMiB(server.pid).toFixed(1)} MiB`);
const ticker = setInterval(() => {
	console.log(`soak: ${((Date.now() - started) / 60_000).toFixed(0)} min, ${answered} answered, RSS ${rssMiB(server.pid).toFixed(1)} MiB`);
}, 60_000);
await Promise.all(Array.from({length: clients}, async (_unused, index) => client(index)));
clearInterval(ticker);
console.log(`soak: done, ${answered} answered, not 200: ${failures.size === 0 ? 'none' : JSON.stringify(Object.fromEntries(failures))}, RSS at the end ${rssMiB(server.pid).toFixed(1)} MiB`);
await server.stop();
