// `npm run bench:interactive`: figures for interactive runs through the real server, over a real WebSocket, from one
// run: the compile (start sent → compile message), the prompt latency (compile message — the program starts right
// after it — → the prompt `Name: ` at the client), the input round trip (stdin sent → the answer at the client), and
// the output throughput to a client that reads as fast as it can, and the server's memory under 200,000 one-byte
// input messages to a program that reads none. Prints figures only; nothing here asserts a time or a size.
import fs from 'node:fs';
import {example, startServer} from '../test/helpers/server.ts';
import {connect} from '../test/helpers/ws-client.ts';

const rounds = Number(process.env['BENCH_ROUNDS'] ?? 20);
const cap = 8 * 1024 * 1024;
const server = await startServer({uidBase: 63_600, defaultLimits: true, env: {C_RUNNER_OUTPUT_BYTES: String(cap)}});
/** The server's resident and peak memory, MiB. */
const memory = () => {
	const status = fs.readFileSync(`/proc/${server.pid}/status`, 'utf8');
	const mib = (key: string) => Math.round(Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1]) / 1024);
	return {rss: mib('VmRSS'), peak: mib('VmHWM')};
};

const percentile = (samples: number[], fraction: number) => [...samples].sort((a, b) => a - b)[Math.min(samples.length - 1, Math.floor(fraction * samples.length))]!;
const figures = {compile: [] as number[], prompt: [] as number[], roundTrip: [] as number[]};
try {
	for (let round = 0; round < rounds + 2; round++) {
		const client = connect(server);
		await client.opened;
		const started = performance.now();
		client.send({type: 'start', code: example('interactive-greeting.c')});
		const compiled = await client.waitFor(entry => entry.message['type'] === 'compile', 'compile');
		const prompt = await client.waitForStdout('Name: ');
		const sent = performance.now();
		client.send({type: 'stdin', data: 'Ada\n'});
		const answer = await client.waitForStdout('Hello, Ada!');
		client.send({type: 'stdin', data: '36\n'});
		await client.waitForType('exit');
		await client.closed;
		if (round >= 2) {
			figures.compile.push(compiled.at - started);
			figures.prompt.push(prompt.at - compiled.at);
			figures.roundTrip.push(answer.at - sent);
		}
	}

	const flood = connect(server);
	await flood.opened;
	flood.send({type: 'start', code: example('output-flood.c')});
	const first = await flood.waitFor(entry => entry.message['type'] === 'stdout', 'output');
	const exit = await flood.waitFor(entry => entry.message['type'] === 'exit', 'exit', 60_000);
	const seconds = (exit.at - first.at) / 1000;
	for (const [name, samples] of Object.entries(figures)) {
		process.stdout.write(`${name.padEnd(10)} p50 ${percentile(samples, 0.5).toFixed(1)} ms  p90 ${percentile(samples, 0.9).toFixed(1)} ms  (${samples.length} sessions)\n`);
	}

	process.stdout.write(`output     ${(cap / 1024 / 1024 / seconds).toFixed(1)} MiB/s to the client (${cap / 1024 / 1024} MiB to the output cap in ${seconds.toFixed(2)} s)\n`);

	// interactive-wait.c waits for a line: one-byte messages without a newline fill the terminal's line and stay.
	const messages = 200_000;
	const typist = connect(server);
	await typist.opened;
	typist.send({type: 'start', code: example('interactive-wait.c')});
	await typist.waitForStdout('ready\n');
	const before = memory();
	for (let index = 0; index < messages; index++) {
		typist.send({type: 'stdin', data: 'x'});
	}

	await new Promise(resolve => setTimeout(resolve, 5000));
	const during = memory();
	typist.send({type: 'signal', signal: 'kill'});
	await typist.waitForType('exit', 30_000);
	await typist.closed;
	const after = memory();
	process.stdout.write(`input      server RSS ${before.rss} MiB before ${messages} one-byte messages to a program that reads none, ${during.rss} MiB 5 s in (peak ${during.peak}), ${after.rss} MiB after the session\n`);
} finally {
	await server.stop();
}
