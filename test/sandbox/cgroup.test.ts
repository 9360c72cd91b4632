import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {pino} from 'pino';
import {loadConfig} from '../../src/config.ts';
import {cgroupMounts, instanceDirs, instanceName, openCgroupBackend, ownCgroups} from '../../src/sandbox/cgroup.ts';

// A hybrid host like the one the tests run on: v1 controllers, a v2 hierarchy without any.
const mountinfo = [
	'31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
	'32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct',
	'35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
	'39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids',
	'40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd',
	'41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
].join('\n');
const selfCgroup = '9:name=systemd:/\n8:pids:/\n4:memory:/process_api/abc\n1:cpu,cpuacct:/\n0::/\n';

test('the server\'s own cgroups, joint controllers split', t => {
	t.deepEqual(Object.fromEntries(ownCgroups(selfCgroup)), {'name=systemd': '/', pids: '/', memory: '/process_api/abc', cpu: '/', cpuacct: '/'});
});

test('v1 mounts by controller; the v2 hierarchy and tmpfs are not v1 controllers', t => {
	const mounts = cgroupMounts(mountinfo);
	t.like(mounts.get('cpuacct'), {point: '/sys/fs/cgroup/cpu,cpuacct', root: '/'});
	t.like(mounts.get('memory'), {point: '/sys/fs/cgroup/memory'});
	t.false(mounts.has('rw'));
	t.is([...mounts.values()].filter(mount => mount.point.endsWith('unified')).length, 0);
});

test('job cgroups nest under the server\'s own cgroup of each controller', t => {
	t.deepEqual(instanceDirs(selfCgroup, mountinfo, instanceName(42, '1234')), {
		memory: '/sys/fs/cgroup/memory/process_api/abc/c-runner-42-1234',
		pids: '/sys/fs/cgroup/pids/c-runner-42-1234',
		cpuacct: '/sys/fs/cgroup/cpu,cpuacct/c-runner-42-1234',
	});
});

test('a container\'s mount of its own subtree: paths are taken relative to the mounted root', t => {
	const inContainer = '35 31 0:32 /docker/abc /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n39 31 0:36 /docker/abc /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n33 31 0:30 /docker/abc /sys/fs/cgroup/cpuacct rw - cgroup cgroup rw,cpuacct';
	const own = '8:pids:/docker/abc\n4:memory:/docker/abc/inner\n2:cpuacct:/docker/abc\n';
	t.like(instanceDirs(own, inContainer, 'c-runner-7-99'), {memory: '/sys/fs/cgroup/memory/inner/c-runner-7-99', pids: '/sys/fs/cgroup/pids/c-runner-7-99'});
});

test('no v1 controller, or a cgroup outside the mount: the reason, not a path', t => {
	t.regex(instanceDirs('0::/\n', '41 31 0:38 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw', 'c-runner-1-1') as string, /no cgroup v1 memory controller/);
	const outside = '35 31 0:32 /docker/abc /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n39 31 0:36 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n33 31 0:30 / /sys/fs/cgroup/cpuacct rw - cgroup cgroup rw,cpuacct';
	t.regex(instanceDirs('8:pids:/\n4:memory:/other\n2:cpuacct:/\n', outside, 'c-runner-1-1') as string, /outside the mounted hierarchy/);
});

test('closing the backend removes a job cgroup that was never removed, then the instance directories', async t => {
	if (process.getuid?.() !== 0) {
		t.log('skipped: job cgroups need root');
		t.pass();
		return;
	}

	const backend = await openCgroupBackend(pino({level: 'silent'}));
	if (typeof backend === 'string') {
		t.fail(`no job cgroups on this root host: ${backend}`);
		return;
	}

	const job = await backend.createJob('left-by-a-failed-clean-up', null, loadConfig({}).run);
	await job.read();
	const jobDirs = Object.values(backend.dirs).map(dir => path.join(dir, 'left-by-a-failed-clean-up'));
	// Whatever this test's failure would leave in the host's hierarchy goes all the same.
	t.teardown(() => {
		for (const dir of [...jobDirs, ...Object.values(backend.dirs)]) {
			try {
				fs.rmdirSync(dir);
			} catch {}
		}
	});
	t.true(jobDirs.every(dir => fs.existsSync(dir)));
	await backend.close();
	t.deepEqual(Object.values(backend.dirs).filter(dir => fs.existsSync(dir)), [], 'the instance directories, and the job cgroup in them');
});
