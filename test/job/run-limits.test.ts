import test from 'ava';
import {loadConfig} from '../../src/config.ts';
import {runLimitsFor} from '../../src/job/run-job.ts';

const config = loadConfig({C_RUNNER_RUN_MAX_CPU_MS: '5000', C_RUNNER_RUN_MAX_MEMORY_MB: '512'});

test('without a request, the server defaults', t => {
	t.like(runLimitsFor(config, {timeLimitMs: null, memoryLimitMb: null}), {cpuMs: 10_000, wallMs: 10_000, memoryMb: 256});
});

test('a requested time limit sets CPU time, and wall time to twice that plus a second', t => {
	t.like(runLimitsFor(config, {timeLimitMs: 300, memoryLimitMb: null}), {cpuMs: 300, wallMs: 1600, memoryMb: 256});
});

test('requests above the maxima are lowered to them', t => {
	t.like(runLimitsFor(config, {timeLimitMs: 60_000, memoryLimitMb: 4096}), {cpuMs: 5000, wallMs: 11_000, memoryMb: 512});
});

test('other limits stay the server\'s', t => {
	const limits = runLimitsFor(config, {timeLimitMs: 300, memoryLimitMb: 32});
	t.is(limits.processes, config.run.processes);
	t.is(limits.diskMb, config.run.diskMb);
});

test('a requested wall-clock limit (Piston, Judge0) is taken; with no CPU time asked, the CPU limit is no longer', t => {
	t.like(runLimitsFor(config, {timeLimitMs: null, memoryLimitMb: null, wallLimitMs: 3000}), {cpuMs: 3000, wallMs: 3000});
	t.like(runLimitsFor(config, {timeLimitMs: 500, memoryLimitMb: null, wallLimitMs: 3000}), {cpuMs: 500, wallMs: 3000});
	t.like(runLimitsFor(config, {timeLimitMs: null, memoryLimitMb: null, wallLimitMs: 60_000}), {cpuMs: 10_000, wallMs: 11_000}, 'lowered to the longest a CPU limit could give');
});
