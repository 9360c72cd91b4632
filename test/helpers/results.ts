import type {ExecuteResult} from '../../src/job/result.ts';

/** An /execute_c result with every field, for the unit tests of what is made of one. */
export function executeResult(fields: Partial<ExecuteResult> = {}): ExecuteResult {
	return {
		output: '',
		error: '',
		exit_code: 0,
		status: 'ok',
		signal: null,
		timed_out: false,
		truncated: false,
		stopped_by: null,
		output_limit_stream: null,
		warnings: '',
		time_ms: 3,
		cpu_ms: 1,
		memory_kb: 1200,
		limits: {wall_time_ms: 10_000, cpu_time_ms: 10_000, cpu_time_enforced_ms: 10_000, memory_mb: 256, processes: 64, file_size_mb: 16, disk_mb: 64, open_files: 64, stack_mb: 8, output_bytes: 1_048_576},
		compile_cached: false,
		...fields,
	};
}
