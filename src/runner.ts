import type {JudgeRequest} from './judge/parse-judge.ts';
import {runJudge, type JudgeListener} from './judge/run-judge.ts';
import type {JudgeResult} from './judge/verdict.ts';
import type {ExecuteRequest} from './job/parse-request.ts';
import type {ExecuteResult} from './job/result.ts';
import {runJob, type JobDeps} from './job/run-job.ts';
import type {Slots} from './job/slots.ts';

/** What the HTTP layer asks of the server: the real one runs sandboxes, the HTTP tests pass a fake. */
export interface Runner {
	execute(request: ExecuteRequest, signal: AbortSignal): Promise<ExecuteResult>;
	judge(request: JudgeRequest, signal: AbortSignal, listener?: JudgeListener): Promise<JudgeResult>;
}

export function createRunner(deps: JobDeps, slots: Slots): Runner {
	return {
		async execute(request, signal) {
			const slot = await slots.acquire(signal);
			try {
				return await runJob(request, {user: slot.user, deps, signal});
			} finally {
				slot.release();
			}
		},
		async judge(request, signal, listener) {
			return runJudge(request, deps, slots, signal, listener);
		},
	};
}
