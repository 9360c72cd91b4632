// Ctrl-C on `npm start`: the terminal sends SIGINT to its whole foreground process group. The sandboxes run in
// sessions of their own, so they are not in it: the server drains the jobs in flight as it does on SIGTERM, and
// answers them with their real results, not a 500.
import {once} from 'node:events';
import test from 'ava';
import {assertHostClean, example, execute, programRuns, startServer, waitFor} from '../helpers/server.ts';

test('SIGINT to the server\'s whole process group drains a job in flight: a normal 200 result, then exit 0', async t => {
	const server = await startServer({uidBase: 65_300, detached: true, env: {C_RUNNER_RUN_WALL_MS: '20000'}});
	const exited = once(server.process, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
	try {
		const answer = execute(server, {code: example('sleep-ms.c'), stdin: '4000'});
		// Into the run, well before the program's 4 s are up (on a loaded machine too).
		t.true(await waitFor(() => programRuns(server), 30_000), 'the program runs');
		process.kill(-server.pid, 'SIGINT');
		const {status, body} = await answer;
		t.is(status, 200, JSON.stringify(body));
		t.like(body, {status: 'ok', exit_code: 0, output: '4000\n'});
		const [code, signal] = await exited;
		t.deepEqual({code, signal}, {code: 0, signal: null}, server.stderr());
		await assertHostClean(t, server);
	} finally {
		await server.stop();
	}
});
