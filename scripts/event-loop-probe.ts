// The benchmarks' side of scripts/event-loop-monitor.mjs (preloaded into a server with `monitorOptions`): the
// server's own figures on SIGUSR2, and a small request sent in a loop while some work runs, timed from outside.
// Measuring only.
import path from 'node:path';
import {projectRoot, type RunningServer} from '../test/helpers/server.ts';

/** NODE_OPTIONS that preload the monitor into a server. */
export const monitorOptions = `--import ${path.join(projectRoot, 'scripts', 'event-loop-monitor.mjs')}`;

export interface MonitorFigures {
	readonly maxDelayMs: number;
	readonly p99DelayMs: number;
	readonly rssMiB: number;
	readonly arrayBuffersMiB: number;
}

const sleep = async (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/** The server's figures since the last sample (and a new start): the monitor answers SIGUSR2 on stderr. */
export async function sampleMonitor(server: RunningServer): Promise<MonitorFigures> {
	const seen = server.stderr().split('event-loop-monitor ').length;
	process.kill(server.pid, 'SIGUSR2');
	for (let waited = 0; server.stderr().split('event-loop-monitor ').length === seen; waited += 10) {
		if (waited > 10_000) {
			throw new Error('the event-loop monitor did not answer');
		}

		await sleep(10);
	}

	const line = server.stderr().split('event-loop-monitor ').at(-1)!.split('\n')[0]!;
	return JSON.parse(line) as MonitorFigures;
}

/**
 * Fetches /openapi.json (a fixed answer, no job) every `intervalMs` while `during` runs: how long a small request
 * waited, at worst and at the 99th percentile.
 */
export async function probed<T>(server: RunningServer, during: () => Promise<T>, intervalMs = 20): Promise<{result: T; probeMaxMs: number; probeP99Ms: number}> {
	let running = true;
	const waits: number[] = [];
	const probe = (async () => {
		while (running) {
			const started = performance.now();
			await (await fetch(`${server.url}/openapi.json`)).arrayBuffer();
			waits.push(performance.now() - started);
			await sleep(intervalMs);
		}
	})();
	let result: T;
	try {
		result = await during();
	} finally {
		running = false;
		await probe;
	}

	const sorted = waits.sort((a, b) => a - b);
	const at = (fraction: number) => Math.round((sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? Number.NaN) * 10) / 10;
	return {result, probeMaxMs: at(1), probeP99Ms: at(0.99)};
}
