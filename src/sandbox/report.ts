// The helper's report: the contract between sandbox/c-runner-sandbox.c and the server (sandbox/README.md).

/** What the helper inside the sandbox measured and saw; see sandbox/README.md. */
export interface HelperReport {
	readonly execErrno: number;
	readonly exited: boolean;
	readonly exitCode: number;
	readonly signal: number;
	readonly timedOut: boolean;
	/** The helper stopped the job when its CPU time, sampled every 5 ms, reached the limit. */
	readonly cpuExceeded: boolean;
	readonly cpuMs: number;
	readonly wallMs: number;
	readonly maxRssKb: number;
	/** The largest data and stacks (VmData + VmStk) any of the job's processes mapped, sampled every 5 ms. */
	readonly peakVmKb: number;
	/** The helper stopped the job when a process of it waited for memory at the job cgroup's limit. */
	readonly memoryExceeded: boolean;
}

const reportKeys = ['exec_errno', 'exited', 'exit_code', 'signal', 'timed_out', 'cpu_exceeded', 'cpu_ms', 'wall_ms', 'max_rss_kb', 'peak_vm_kb', 'memory_exceeded'] as const;

/** Strict: exactly the keys the helper writes, in order, each a whole number. Anything else is no report. */
export function parseReport(text: string): HelperReport | null {
	const lines = text.trimEnd().split('\n');
	if (lines.length !== reportKeys.length) {
		return null;
	}

	const values: number[] = [];
	for (const [index, key] of reportKeys.entries()) {
		const match = new RegExp(`^${key}=(\\d{1,12})$`).exec(lines[index]!);
		if (!match) {
			return null;
		}

		values.push(Number(match[1]));
	}

	const [execErrno, exited, exitCode, signal, timedOut, cpuExceeded, cpuMs, wallMs, maxRssKb, peakVmKb, memoryExceeded] = values as [number, number, number, number, number, number, number, number, number, number, number];
	return {execErrno, exited: exited === 1, exitCode, signal, timedOut: timedOut === 1, cpuExceeded: cpuExceeded === 1, cpuMs, wallMs, maxRssKb, peakVmKb, memoryExceeded: memoryExceeded === 1};
}
