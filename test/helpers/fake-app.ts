import {pino, type Logger} from 'pino';
import {createApp} from '../../src/app.ts';
import {judge0ResultBytes, loadConfig} from '../../src/config.ts';
import {logOptions} from '../../src/log.ts';
import type {HealthCheck, HealthReport} from '../../src/health.ts';
import type {JudgeRequest} from '../../src/judge/parse-judge.ts';
import type {JudgeListener} from '../../src/judge/run-judge.ts';
import type {JudgeResult} from '../../src/judge/verdict.ts';
import type {ExecuteRequest} from '../../src/job/parse-request.ts';
import type {ExecuteResult} from '../../src/job/result.ts';
import type {Runner} from '../../src/runner.ts';
import {serve} from './serve.ts';
import {Judge0Jobs} from '../../src/compat/routes.ts';
import {SubmissionStore} from '../../src/compat/judge0.ts';

export const limits = {wall_time_ms: 10_000, cpu_time_ms: 10_000, cpu_time_enforced_ms: 10_000, memory_mb: 256, processes: 64, file_size_mb: 16, disk_mb: 64, open_files: 64, stack_mb: 8, output_bytes: 1_048_576};

export const result: ExecuteResult = {
	output: 'Hello from C!', error: '', exit_code: 0, status: 'ok', signal: null, timed_out: false, truncated: false, stopped_by: null, output_limit_stream: null,
	warnings: '', time_ms: 1, cpu_ms: 1, memory_kb: 1000, limits, compile_cached: false,
};

export const judgeResult: JudgeResult = {
	passed: true, verdict: 'AC', results: [], error: null, summary: {passed: 0, total: 0, first_failure: null}, warnings: '', limits, ignored_fields: [], compile_cached: false,
};

/** A runner that runs nothing: the HTTP layer's tests decide what it answers. */
export class FakeRunner implements Runner {
	calls: ExecuteRequest[] = [];
	judgeCalls: JudgeRequest[] = [];
	behaviour: (signal: AbortSignal) => Promise<ExecuteResult> = async () => result;
	judgeBehaviour: (signal: AbortSignal, listener: JudgeListener) => Promise<JudgeResult> = async () => judgeResult;

	async execute(request: ExecuteRequest, signal: AbortSignal) {
		this.calls.push(request);
		return this.behaviour(signal);
	}

	async judge(request: JudgeRequest, signal: AbortSignal, listener: JudgeListener = {}) {
		this.judgeCalls.push(request);
		return this.judgeBehaviour(signal, listener);
	}
}

export const healthReport = (status: HealthReport['status']): HealthReport => ({
	status, checked_at: 'now', self_test: {ok: status === 'ok', duration_ms: 1, problem: status === 'ok' ? null : 'broken'}, versions: {}, policy: {}, slots: {capacity: 1, running: 0, queued: 0, queueLength: 1}, judges: {capacity: 1, running: 0, queued: 0, queueLength: 1},
});

/** A logger as the server's (what it redacts included) whose entries are kept, parsed, in `entries`. */
export function recordingLogger(): {logger: Logger; entries: Array<Record<string, unknown>>} {
	const entries: Array<Record<string, unknown>> = [];
	const logger = pino({...logOptions, level: 'info'}, {write: (line: string) => entries.push(JSON.parse(line) as Record<string, unknown>)});
	return {logger, entries};
}

/** The real app with a fake runner and health check, served on a loopback port. */
export async function setup(options: {token?: string; health?: HealthReport['status']; heartbeatMs?: number; corsOrigins?: string; allowedHosts?: string; logger?: Logger} = {}) {
	const runner = new FakeRunner();
	const health: HealthCheck = {check: async () => healthReport(options.health ?? 'ok')};
	const config = {...loadConfig({C_RUNNER_JUDGE_MAX_TESTS: '3', C_RUNNER_JUDGE_MAX_TEST_BYTES: '16', C_RUNNER_CORS_ORIGINS: options.corsOrigins ?? '', C_RUNNER_ALLOWED_HOSTS: options.allowedHosts ?? ''}), token: options.token ?? null, bodyLimitBytes: 4096};
	const logger = options.logger ?? pino({level: 'silent'});
	const submissions = new Judge0Jobs(new SubmissionStore(config.judge0.storeSize, config.judge0.ttlMs, config.judge0.storeBytes, undefined, judge0ResultBytes(config)), runner, new AbortController().signal, logger);
	const app = createApp({config, logger, runner, health, compilerVersion: '12.2.0', submissions, ...(options.heartbeatMs === undefined ? {} : {heartbeatMs: options.heartbeatMs})});
	const server = await serve(app);
	return {runner, submissions, ...server};
}
