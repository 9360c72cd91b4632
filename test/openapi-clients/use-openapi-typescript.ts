// An ordinary client of c-runner on openapi-typescript's types: each line compiles, or fails where it must.
import type {paths} from './types.ts';

type ExecuteBody = paths['/execute_c']['post']['requestBody']['content']['application/json'];
type ExecuteAnswer = paths['/execute_c']['post']['responses'][200]['content']['application/json'];
type JudgeBody = paths['/judge_c']['post']['requestBody']['content']['application/json'];
type JudgeAnswer = paths['/judge_c']['post']['responses'][200]['content']['application/json'];

export const execute: ExecuteBody = {code: 'int main(void) { return 0; }', args: ['a', 'b c'], stdin: 'x', time_limit_ms: 500};
export const cpp: ExecuteBody = {language: 'cpp', std: 'c++20', optimize: 2, files: [{name: 'main.cpp', content: 'int main() {}'}]};
export const judge: JudgeBody = {code: 'int main(void) { return 0; }', testcases: [{input: '5\n', output: '10'}, {id: 'b', expected_output: '1'}]};
// @ts-expect-error a test case without its expected output
export const noExpected: JudgeBody = {code: 'int main(void) { return 0; }', testcases: [{input: '5\n'}]};
// @ts-expect-error neither code nor files
export const noCode: JudgeBody = {testcases: [{output: '1'}]};
// @ts-expect-error not a comparison mode
export const badCompare: JudgeBody = {code: 'x', testcases: [{output: '1'}], compare: 'fuzzy'};

export function read(run: ExecuteAnswer, verdicts: JudgeAnswer) {
	const status: 'ok' | 'compile_error' | 'runtime_error' | 'signalled' | 'time_limit' | 'memory_limit' | 'output_limit' | 'file_size_limit' = run.status;
	const exitCode: number = run.exit_code;
	const cpuMs: number | null = run.cpu_ms;
	const verdict: string = verdicts.verdict;
	const first: string | undefined = verdicts.results[0]?.actual_output;
	return {status, exitCode, cpuMs, verdict, first, output: run.output};
}
