// An ordinary client of c-runner on @hey-api/openapi-ts's generated SDK: each call compiles, or fails where it must.
import {createClient} from './hey-api/client/index.ts';
import {executeC, judgeC} from './hey-api/sdk.gen.ts';

const client = createClient({baseUrl: 'http://127.0.0.1:5555'});

export async function run() {
	const executed = await executeC({client, body: {code: 'int main(void) { return 0; }', args: 'a b'}});
	const output: string | undefined = executed.data?.output;
	const judged = await judgeC({client, body: {code: 'int main(void) { return 0; }', testcases: [{input: '5\n', output: '10'}]}});
	const verdict: string | undefined = judged.data?.verdict;
	// @ts-expect-error a test case without its expected output
	await judgeC({client, body: {code: 'x', testcases: [{input: '5\n'}]}});
	return {output, verdict};
}
