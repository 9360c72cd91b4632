import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import type {SandboxLimits} from '../../src/config.ts';
import {bwrapArgs, commandFd, cpuUsageFd, helperCommand, helperInSandbox, oomControlFd, stdinInSandbox, type SandboxJob} from '../../src/sandbox/bwrap-args.ts';
import {projectRoot} from '../helpers/server.ts';
import {compileProfile, policyLadder, policyWeakenings, runProfile} from '../../src/sandbox/profiles.ts';
import type {HostLayout} from '../../src/sandbox/host-layout.ts';

const mergedUsr: HostLayout = {
	links: [{path: '/bin', target: 'usr/bin'}, {path: '/sbin', target: 'usr/sbin'}, {path: '/lib', target: 'usr/lib'}, {path: '/lib64', target: 'usr/lib64'}],
	dirs: [],
	usrLib64: true,
	usrLocal: true,
};
const limits: SandboxLimits = {wallMs: 2000, cpuMs: 3000, memoryMb: 64, processes: 32, fileSizeMb: 1, diskMb: 8, openFiles: 64, stackMb: 8};
const dir = '/tmp/c_exec_00000000-0000-4000-8000-000000000000';
const runJob: SandboxJob = {dir, files: [`${dir}/source`], argv: [`${dir}/source`, 'a b', '--', '-x'], helperPath: '/opt/c-runner/helper'};
const compileJob: SandboxJob = {dir, files: [], argv: ['/usr/bin/gcc', '-o', `${dir}/source`, `${dir}/source.c`], helperPath: '/opt/c-runner/helper'};

const isolation = [
	'--unshare-user', '--unshare-pid', '--unshare-ipc', '--unshare-net', '--unshare-uts', '--unshare-cgroup', '--disable-userns',
	'--die-with-parent', '--new-session', '--as-pid-1', '--cap-drop', 'ALL', '--hostname', 'c-runner',
	'--info-fd', '4',
];
const helperLimits = ['--report-fd', '3', '--wall-ms', '2000', '--cpu-ms', '3000', '--stack-bytes', String(8 * 1024 * 1024), '--nproc', '32', '--fsize-bytes', String(1024 * 1024), '--nofile', '64'];
const withAddressSpace = (mib: number) => [...helperLimits.slice(0, 6), '--as-bytes', String(mib * 1024 * 1024), ...helperLimits.slice(6)];

test('run policy, exactly', t => {
	t.deepEqual(bwrapArgs(runProfile(mergedUsr, limits), runJob), [
		...isolation,
		'--ro-bind', '/usr/lib', '/usr/lib',
		'--ro-bind', '/usr/lib64', '/usr/lib64',
		'--symlink', 'usr/lib', '/lib',
		'--symlink', 'usr/lib64', '/lib64',
		'--proc', '/proc',
		'--dev', '/dev',
		'--remount-ro', '/dev',
		'--size', String(8 * 1024 * 1024), '--tmpfs', '/tmp',
		'--size', String(8 * 1024 * 1024), '--tmpfs', dir,
		'--ro-bind', `${dir}/source`, `${dir}/source`,
		'--ro-bind', '/opt/c-runner/helper', helperInSandbox,
		'--remount-ro', '/',
		'--chdir', dir,
		'--clearenv',
		'--setenv', 'PATH', '/usr/bin:/bin',
		'--setenv', 'HOME', dir,
		'--setenv', 'LANG', 'C.UTF-8',
		'--setenv', 'TMPDIR', '/tmp',
		'--',
		helperInSandbox, ...withAddressSpace(64 + 16), '--', `${dir}/source`, 'a b', '--', '-x',
	]);
});

test('compile policy, exactly', t => {
	t.deepEqual(bwrapArgs(compileProfile(mergedUsr, limits), compileJob), [
		...isolation,
		'--ro-bind', '/usr', '/usr',
		'--size', '4096', '--tmpfs', '/usr/local', '--remount-ro', '/usr/local',
		'--symlink', 'usr/bin', '/bin',
		'--symlink', 'usr/sbin', '/sbin',
		'--symlink', 'usr/lib', '/lib',
		'--symlink', 'usr/lib64', '/lib64',
		'--proc', '/proc',
		'--dev', '/dev',
		'--remount-ro', '/dev',
		'--size', String(8 * 1024 * 1024), '--tmpfs', '/tmp',
		'--bind', dir, dir,
		'--ro-bind', '/opt/c-runner/helper', helperInSandbox,
		'--remount-ro', '/',
		'--chdir', dir,
		'--clearenv',
		'--setenv', 'PATH', '/usr/bin:/bin',
		'--setenv', 'HOME', dir,
		'--setenv', 'LANG', 'C',
		'--setenv', 'TMPDIR', '/tmp',
		'--',
		helperInSandbox, ...withAddressSpace(64), '--', '/usr/bin/gcc', '-o', `${dir}/source`, `${dir}/source.c`,
	]);
});

test('a host without merged /usr binds its library directories, and only those, for a run', t => {
	const split: HostLayout = {links: [], dirs: ['/bin', '/sbin', '/lib', '/lib64'], usrLib64: false, usrLocal: false};
	const args = bwrapArgs(runProfile(split, limits), runJob);
	const binds = args.flatMap((arg, index) => (arg === '--ro-bind' ? [args[index + 1]] : []));
	t.deepEqual(binds, ['/usr/lib', '/lib', '/lib64', `${dir}/source`, '/opt/c-runner/helper']);
	const compileBinds = bwrapArgs(compileProfile(split, limits), compileJob).filter((_arg, index, all) => all[index - 1] === '--ro-bind');
	t.deepEqual(compileBinds, ['/usr', '/bin', '/sbin', '/lib', '/lib64', '/opt/c-runner/helper']);
});

for (const [name, args] of [['run', bwrapArgs(runProfile(mergedUsr, limits), runJob)], ['compile', bwrapArgs(compileProfile(mergedUsr, limits), compileJob)]] as const) {
	const policy = args.slice(0, args.indexOf('--'));

	test(`${name}: never shares the network or any namespace, never keeps capabilities`, t => {
		t.false(policy.some(arg => arg.startsWith('--share')));
		t.false(policy.includes('--cap-add'));
		t.true(policy.includes('--unshare-net'));
		t.deepEqual(policy.slice(policy.indexOf('--cap-drop'), policy.indexOf('--cap-drop') + 2), ['--cap-drop', 'ALL']);
	});

	test(`${name}: the host root, /etc, /home, /root and the project are never mounted`, t => {
		const sources = policy.flatMap((arg, index) => (arg.endsWith('bind') ? [policy[index + 1]!] : []));
		for (const source of sources) {
			t.false(source === '/' || /^\/(etc|home|root|work|var|proc|sys|dev|run)(\/|$)/.test(source), source);
		}
	});

	test(`${name}: the job directory is mounted once, the root is remounted read-only last`, t => {
		const mountsOfDir = policy.filter((arg, index) => policy[index + 1] === dir && ['--tmpfs', '--bind', '--ro-bind'].includes(arg));
		t.deepEqual(mountsOfDir, [name === 'run' ? '--tmpfs' : '--bind']);
		const remounts = policy.flatMap((arg, index) => arg === '--remount-ro' ? [policy[index + 1]] : []);
		t.deepEqual(remounts, [...(name === 'compile' ? ['/usr/local'] : []), '/dev', '/'], 'the compile\'s empty /usr/local, bwrap\'s writable /dev tmpfs, then the root');
		t.true(policy.lastIndexOf('--remount-ro') > policy.lastIndexOf('--tmpfs'));
		t.true(policy.lastIndexOf('--remount-ro') > policy.lastIndexOf('--bind'));
		t.true(policy.includes('--clearenv'));
	});

	test(`${name}: everything after the first -- is the helper's argv`, t => {
		t.is(args[args.indexOf('--') + 1], helperInSandbox);
	});
}

test('a reduced policy leaves out exactly what the host refuses, nothing else', t => {
	const strongest = bwrapArgs(runProfile(mergedUsr, limits), runJob);
	const reduced = bwrapArgs(runProfile(mergedUsr, limits, {proc: 'none', noNestedUserns: false, hostname: false}), runJob);
	t.deepEqual(strongest.filter(arg => !reduced.includes(arg)), ['--disable-userns', '--hostname', 'c-runner', '--proc', '/proc']);
	t.deepEqual(reduced.filter(arg => !strongest.includes(arg)), []);
});

test('the ladder goes from the strongest policy down; a forced /proc choice keeps to it', t => {
	const ladder = policyLadder('auto');
	t.deepEqual(ladder[0], {proc: 'private', noNestedUserns: true, hostname: true});
	t.deepEqual(ladder.at(-1), {proc: 'none', noNestedUserns: false, hostname: false});
	t.is(ladder.length, 8);
	t.true(policyLadder('none').every(policy => policy.proc === 'none'));
	t.deepEqual(policyWeakenings(ladder[0]!), []);
	t.is(policyWeakenings(ladder.at(-1)!).length, 3);
});

test('a job with a cgroup: the helper reads its CPU counter on the launcher\'s descriptor, and only then', t => {
	const args = bwrapArgs(runProfile(mergedUsr, limits), {...runJob, cgroup: true});
	const helper = args.slice(args.indexOf(helperInSandbox, args.indexOf('--')));
	t.deepEqual(helper.slice(0, 9), [helperInSandbox, '--report-fd', '3', '--cpu-usage-fd', String(cpuUsageFd), '--oom-control-fd', String(oomControlFd), '--wall-ms', '2000']);
	t.false(bwrapArgs(runProfile(mergedUsr, limits), runJob).includes('--cpu-usage-fd'));
	const launcher = fs.readFileSync(path.join(projectRoot, 'sandbox', 'c-runner-launch.c'), 'utf8');
	t.is(Number(/#define CPU_USAGE_FD (\d+)/.exec(launcher)?.[1]), cpuUsageFd);
	t.is(Number(/#define OOM_CONTROL_FD (\d+)/.exec(launcher)?.[1]), oomControlFd);
});

test('the server never turns the syscall filter off: no --syscall-filter in any helper argv', t => {
	for (const args of [bwrapArgs(runProfile(mergedUsr, limits), runJob), bwrapArgs(compileProfile(mergedUsr, limits), compileJob)]) {
		t.false(args.slice(args.indexOf('--') + 1).includes('--syscall-filter'));
	}
});

test('a run\'s stdin file is bound read-only at /run/c-runner/stdin; the helper opens it only when the run has stdin', t => {
	const withStdin = {...runJob, stdinFile: `${dir}/stdin`};
	const args = bwrapArgs(runProfile(mergedUsr, limits), withStdin);
	const bind = args.indexOf(stdinInSandbox);
	t.deepEqual(args.slice(bind - 2, bind + 1), ['--ro-bind', `${dir}/stdin`, stdinInSandbox]);
	t.true(bind < args.indexOf('--remount-ro', args.indexOf(helperInSandbox)), 'bound before the root is made read-only');
	const helper = (job: SandboxJob) => {
		const all = bwrapArgs(runProfile(mergedUsr, limits), job);
		return all.slice(all.indexOf(helperInSandbox, all.indexOf('--')));
	};

	t.false(helper(withStdin).includes('--stdin-file'), 'no stdin: /dev/null');
	const opened = helper({...withStdin, openStdin: true});
	t.deepEqual(opened.slice(opened.indexOf('--stdin-file'), opened.indexOf('--stdin-file') + 3), ['--stdin-file', stdinInSandbox, '--']);
	t.false(bwrapArgs(compileProfile(mergedUsr, limits), compileJob).includes(stdinInSandbox), 'a compile has none');
});

test('the run\'s address space: the limit and 16 MiB, or twice the limit and 16 MiB under a job cgroup; the compile\'s is its limit', t => {
	const command = (profile: ReturnType<typeof runProfile>, cgroup: boolean) => helperCommand(profile, {argv: ['/p'], cgroup});
	const asMib = (argv: readonly string[]) => Number(argv[argv.indexOf('--as-bytes') + 1]) / (1024 * 1024);
	t.is(asMib(command(runProfile(mergedUsr, limits), false)), 64 + 16);
	t.is(asMib(command(runProfile(mergedUsr, limits), true)), (2 * 64) + 16);
	t.is(asMib(command(compileProfile(mergedUsr, limits), true)), 64);
	t.is(asMib(bwrapArgs(runProfile(mergedUsr, limits), {...runJob, cgroup: true})), (2 * 64) + 16);
});

test('a sandbox made ahead: the helper\'s argv has its descriptors only; its limits, stdin and command come with helperCommand', t => {
	const profile = runProfile(mergedUsr, limits);
	const job = {...runJob, stdinFile: `${dir}/stdin`, openStdin: true, cgroup: true};
	const ahead = bwrapArgs(profile, {...job, argv: [], commandLater: true});
	const given = bwrapArgs(profile, job);
	t.deepEqual(ahead.slice(ahead.indexOf(helperInSandbox, ahead.indexOf('--'))), [helperInSandbox, '--report-fd', '3', '--cpu-usage-fd', String(cpuUsageFd), '--oom-control-fd', String(oomControlFd), '--command-fd', String(commandFd), '--']);
	// What the helper gets, both ways, is the same: its argv then the command sent, or its argv alone.
	const helperPart = given.slice(given.indexOf(helperInSandbox, given.indexOf('--')));
	t.deepEqual(helperPart.slice(7), helperCommand(profile, job));
	t.deepEqual(ahead.slice(0, ahead.indexOf(helperInSandbox, ahead.indexOf('--'))), given.slice(0, given.indexOf(helperInSandbox, given.indexOf('--'))), 'the same sandbox');
});
