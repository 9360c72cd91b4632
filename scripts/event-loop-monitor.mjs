// Preloaded into a server by scripts/bench-hostile.ts (NODE_OPTIONS=--import, with --expose-gc): on SIGUSR2,
// prints the worst event-loop delay since the last SIGUSR2 and the process's memory still in use after a full
// garbage collection to stderr, then starts over. Measuring only.
import {monitorEventLoopDelay} from 'node:perf_hooks';

const delay = monitorEventLoopDelay({resolution: 5});
delay.enable();
process.on('SIGUSR2', () => {
	const maxDelayMs = Math.round(delay.max / 1e5) / 10;
	const p99DelayMs = Math.round(delay.percentile(99) / 1e5) / 10;
	globalThis.gc?.();
	const memory = process.memoryUsage();
	const figures = {
		maxDelayMs,
		p99DelayMs,
		rssMiB: Math.round(memory.rss / 1024 / 102.4) / 10,
		arrayBuffersMiB: Math.round(memory.arrayBuffers / 1024 / 102.4) / 10,
	};
	// The collection just made delays the next sample: start over once it is recorded, then answer.
	setTimeout(() => {
		delay.reset();
		process.stderr.write(`event-loop-monitor ${JSON.stringify(figures)}\n`);
	}, 50);
});
