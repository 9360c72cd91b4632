import type {Logger} from 'pino';
import type {Config} from './config.ts';
import type {JudgeRequest} from './judge/parse-judge.ts';
import {runJudge, type JudgeListener} from './judge/run-judge.ts';
import type {JudgeResult} from './judge/verdict.ts';
import type {ExecuteRequest} from './job/parse-request.ts';
import type {ExecuteResult} from './job/result.ts';
import {answerFirst} from './job/after-answer.ts';
import {runJob, type JobDeps} from './job/run-job.ts';
import {Slots} from './job/slots.ts';

/**
 * What the HTTP layer asks of the server: the real one runs sandboxes, the HTTP tests pass a fake. `log`: the
 * request's, so that what the job logs (a sandbox stopped from outside, one made ahead that was gone) names it.
 */
export interface Runner {
	/** `started`: told once the job has its slot and begins (before that it waits in the slots' queue). */
	execute(request: ExecuteRequest, signal: AbortSignal, log?: Logger, started?: () => void): Promise<ExecuteResult>;
	judge(request: JudgeRequest, signal: AbortSignal, listener?: JudgeListener, log?: Logger): Promise<JudgeResult>;
}

/**
 * The permits of judge requests (C_RUNNER_JUDGES) and their queue: a judge holds its compiled program on the job root
 * from its compile to its verdicts, so judges past their wait are bounded, not only the slots their steps take.
 */
export function judgePermits(config: Pick<Config, 'judge' | 'queueLength'>): Slots {
	return new Slots(Array.from({length: config.judge.concurrent}, () => null), config.queueLength, `Server is busy: ${config.judge.concurrent} judge requests are running and ${config.queueLength} wait (C_RUNNER_JUDGES, C_RUNNER_QUEUE_LENGTH); retry later`);
}

export function createRunner(deps: JobDeps, slots: Slots, judges = judgePermits(deps.config)): Runner {
	return {
		async execute(request, signal, log, started) {
			const slot = await slots.acquire(signal);
			started?.();
			const jobDeps = log ? {...deps, logger: log} : deps;
			// The answer first, then the job's clean-ups; the slot is free once they are done.
			return answerFirst(async () => runJob(request, {user: slot.user, deps: jobDeps, signal}), slot, jobDeps.logger);
		},
		async judge(request, signal, listener = {}, log) {
			// A request let into the judges' queue is admitted there: answered whole, its stream begun while it waits.
			let waited = false;
			const permit = await judges.acquire(signal, {
				onQueued() {
					waited = true;
					listener.admitted?.();
				},
			});
			try {
				return await runJudge(request, log ? {...deps, logger: log} : deps, slots, signal, listener, {admitted: waited});
			} finally {
				permit.release();
			}
		},
	};
}
