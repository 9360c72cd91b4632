// `npm run bench:accounting`: the evasion table of per-job accounting. Each attack in examples/ runs once through
// the real server under each accounting backend — job cgroups (root), the helper alone (unprivileged), the helper
// without /proc — and one line per run prints the outcome and the figures. Prints figures only; asserts nothing.
import {execute, example, startServer, type RunningServer} from '../test/helpers/server.ts';

const env = {C_RUNNER_RUN_FILE_SIZE_MB: '64', C_RUNNER_RUN_PROCESSES: '32'};
const memory = {time_limit_ms: 5000, memory_limit_mb: 64};
const cpu = {time_limit_ms: 1000, memory_limit_mb: 64};
const attacks: Array<[string, string, string[], Record<string, number>]> = [
	['4 children × 56 MiB', 'memory-spread-children.c', ['4', '56'], memory],
	['640 MiB over 16 forks', 'memory-spread-children.c', ['16', '40'], memory],
	['512 MiB in memfds', 'memory-memfd.c', [], memory],
	['600 MiB SysV shared memory', 'memory-sysv-shm.c', [], memory],
	['SIGCHLD ignored, 5 s of CPU in children', 'cpu-sigchld-ignored.c', [], cpu],
	['SIGCHLD ignored, helper NPROC 1 (probe blinded)', 'cpu-sigchld-ignored.c', ['50', '100', 'blind'], cpu],
	['prlimit(helper: NOFILE 3, NPROC 1, AS 16 MiB, CPU 1 s), 2.5 s spin', 'prlimit-helper.c', [], cpu],
	['PTRACE_TRACEME, then a crash', 'ptrace-traceme-crash.c', [], cpu],
];

const servers: Array<[string, RunningServer]> = [
	['cgroup-v1', await startServer({uidBase: 63_100, env})],
	['helper', await startServer({uidBase: 63_110, runAs: 63_110, env})],
	['helper, no /proc', await startServer({uidBase: 63_120, runAs: 63_120, env: {...env, C_RUNNER_SANDBOX_PROC: 'none'}})],
];
try {
	process.stdout.write('| evasion | limits | backend | status | stopped_by | signal | cpu_ms | memory_kb | output |\n|---|---|---|---|---|---|---|---|---|\n');
	for (const [name, file, args, limits] of attacks) {
		for (const [backend, server] of servers) {
			const {body} = await execute(server, {code: example(file), args, ...limits});
			const output = String(body['output'] ?? '').trim().slice(0, 60);
			process.stdout.write(`| ${name} | ${limits['time_limit_ms']} ms, ${limits['memory_limit_mb']} MiB | ${backend} | ${body['status']} | ${body['stopped_by']} | ${body['signal']} | ${body['cpu_ms']} | ${body['memory_kb']} | ${output} |\n`);
		}
	}
} finally {
	await Promise.all(servers.map(async ([, server]) => server.stop()));
}
