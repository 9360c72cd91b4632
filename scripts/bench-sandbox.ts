// `npm run bench:sandbox`: what one sandbox costs, piece by piece, with `true` as the command so that nothing but
// the sandbox is measured. Each row adds one piece to the row above; rounds are interleaved (every row once per
// round), so drift over the run touches all rows alike. Medians and minima; nothing here asserts a time.
//
// The job cgroup rows run twice: first after some 30 ms without a cgroup migration (as a job's steps are, with a
// compile or a program between them), then at once after another. Moving a process into a cgroup takes the
// kernel's cgroup_threadgroup_rwsem for writing, whose rcu_sync waits for an RCU grace period unless another
// writer passed one just before (or a hierarchy is mounted with `favordynmods`): the difference of the two rows.
import fs from 'node:fs';
import {execa} from 'execa';
import {pino} from 'pino';
import {loadConfig} from '../src/config.ts';
import {bwrapArgs} from '../src/sandbox/bwrap-args.ts';
import {openCgroupBackend, type CgroupBackend} from '../src/sandbox/cgroup.ts';
import {installHelper} from '../src/sandbox/install-helper.ts';
import {runProfile} from '../src/sandbox/profiles.ts';
import {readHostLayout} from '../src/sandbox/host-layout.ts';
import {spawnSandbox, type SandboxUser} from '../src/sandbox/spawn.ts';

const rounds = Number(process.env['BENCH_ROUNDS'] ?? 40);
const config = loadConfig({});
const root = process.getuid?.() === 0;
// As root the sandbox runs as an unprivileged uid, as a job slot's does, from a root-owned copy of the helper.
const user: SandboxUser | null = root ? {uid: 66_990 + Number(process.env['C_RUNNER_TEST_UID_OFFSET'] ?? 0), gid: 66_990 + Number(process.env['C_RUNNER_TEST_UID_OFFSET'] ?? 0)} : null;
const helperPath = root ? installHelper(config.helperPath, config.helperInstallDir) : config.helperPath;
const launcherPath = root ? installHelper(config.launcherPath, config.helperInstallDir, 'c-runner-launch') : config.launcherPath;
const cgroups: CgroupBackend | string = root ? await openCgroupBackend(pino({level: 'silent'})) : 'not root';

const dir = fs.mkdtempSync('/tmp/c_exec_bench-');
fs.copyFileSync('/bin/true', `${dir}/source`);
fs.chmodSync(dir, 0o755);
const signal = new AbortController().signal;
const profile = runProfile(readHostLayout(), config.run);
const job = {dir, files: [`${dir}/source`], argv: [`${dir}/source`], helperPath};
const full = bwrapArgs(profile, job);
const withoutHelper = [...full.slice(0, full.indexOf('--')), '--', `${dir}/source`];
const minimal = ['--unshare-user', '--ro-bind', '/usr', '/usr', '--symlink', 'usr/lib', '/lib', '--symlink', 'usr/lib64', '/lib64', '--symlink', 'usr/bin', '/bin'];
const asUser = user === null ? {} : {uid: user.uid, gid: user.gid};
const plain = async (file: string, args: readonly string[]) => {
	const result = await execa(file, args, {reject: false, env: {}, extendEnv: false, cwd: '/', stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'], ...asUser});
	if (result.exitCode !== 0) {
		throw new Error(`${file} failed: ${result.stderr}`);
	}
};

const sandbox = async (args: readonly string[], launcher?: {path: string; args: readonly string[]}) => {
	const run = await spawnSandbox({bwrapPath: config.bwrapPath, command: {args, backstopMs: 10_000, signal}, user, outputBytes: 65_536, signal, ...(launcher ? {launcher} : {})});
	if (run.report === null) {
		throw new Error(`no report: ${run.stderr.toString()}`);
	}
};

const rows: Record<string, () => Promise<void>> = {
	'spawn /bin/true (execa, no sandbox)': async () => plain('/bin/true', []),
	'bwrap: user namespace, /usr, true': async () => plain(config.bwrapPath, [...minimal, '/bin/true']),
	'  + pid, ipc, uts, cgroup namespaces': async () => plain(config.bwrapPath, ['--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup', ...minimal, '/bin/true']),
	'  + network namespace': async () => plain(config.bwrapPath, ['--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup', '--unshare-net', ...minimal, '/bin/true']),
	'run profile, whole (no helper)': async () => plain(config.bwrapPath, withoutHelper),
	'run profile + helper (spawnSandbox)': async () => sandbox(full),
};
if (typeof cgroups !== 'string') {
	let serial = 0;
	rows['  + job cgroups: made, joined, read, removed'] = async () => {
		const cgroup = await cgroups.createJob(`bench-${process.pid}-${serial++}`, user, profile.limits);
		try {
			await sandbox(bwrapArgs(profile, {...job, cgroup: true}), {path: launcherPath, args: cgroup.launchArgs});
			await cgroup.read();
		} finally {
			await cgroup.remove();
		}
	};
}

if (rows['  + job cgroups: made, joined, read, removed']) {
	rows['  the same, at once after another migration'] = rows['  + job cgroups: made, joined, read, removed'];
}

const samples = Object.fromEntries(Object.keys(rows).map(name => [name, [] as number[]]));
try {
	for (let round = -3; round < rounds; round++) {
		for (const [name, once] of Object.entries(rows)) {
			const started = performance.now();
			await once();
			if (round >= 0) {
				samples[name]!.push(performance.now() - started);
			}
		}
	}
} finally {
	fs.rmSync(dir, {recursive: true, force: true});
	if (typeof cgroups !== 'string') {
		await cgroups.close();
	}
}

const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
console.log(`one sandbox, piece by piece: ${rounds} interleaved rounds, ${new Date().toISOString()}, ${root ? 'root (sandbox as an unprivileged uid)' : 'not root'}${typeof cgroups === 'string' ? `; no job cgroups (${cgroups})` : ''}`);
console.log(`| ${'step'.padEnd(46)} | median ms |  min ms |`);
for (const [name, values] of Object.entries(samples)) {
	const ordered = sorted(values);
	console.log(`| ${name.padEnd(46)} | ${ordered[Math.floor(ordered.length / 2)]!.toFixed(2).padStart(9)} | ${ordered[0]!.toFixed(2).padStart(7)} |`);
}
