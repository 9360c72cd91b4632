import test from 'ava';
import {loadConfig} from '../../src/config.ts';
import {compileProfile, enforcedCpuMs, policyLadder, policyWeakenings, runProfile, strongestPolicy} from '../../src/sandbox/profiles.ts';
import type {HostLayout} from '../../src/sandbox/host-layout.ts';

const config = loadConfig({});
const mergedUsr: HostLayout = {links: [{path: '/bin', target: 'usr/bin'}, {path: '/lib', target: 'usr/lib'}, {path: '/lib64', target: 'usr/lib64'}], dirs: [], usrLib64: true, usrLocal: false};
const split: HostLayout = {links: [], dirs: ['/bin', '/lib', '/lib64', '/sbin'], usrLib64: false, usrLocal: false};

test('the ladder: strongest first, a private /proc before everything else, every combination once', t => {
	const ladder = policyLadder('auto');
	t.is(ladder.length, 8);
	t.deepEqual(ladder[0], strongestPolicy);
	t.deepEqual(ladder.at(-1), {proc: 'none', noNestedUserns: false, hostname: false});
	t.true(ladder.slice(0, 4).every(policy => policy.proc === 'private'), 'all private-/proc policies come before any without');
	t.is(new Set(ladder.map(policy => JSON.stringify(policy))).size, 8);
	t.true(policyLadder('none').every(policy => policy.proc === 'none'), 'a forced /proc choice holds on every rung');
	t.is(policyLadder('private').length, 4);
});

test('weakenings: none for the strongest, one sentence per missing piece', t => {
	t.deepEqual(policyWeakenings(strongestPolicy), []);
	const weakest = policyWeakenings({proc: 'none', noNestedUserns: false, hostname: false});
	t.is(weakest.length, 3);
	t.regex(weakest[0]!, /^no \/proc in the sandbox \(a private one cannot be mounted here\)/);
	t.regex(policyWeakenings({proc: 'none', noNestedUserns: true, hostname: true}, 'none')[0]!, /^no \/proc in the sandbox \(turned off by C_RUNNER_SANDBOX_PROC=none\)/);
});

test('the CPU limit is enforced at the limit under every policy', t => {
	for (const policy of policyLadder('auto')) {
		t.is(enforcedCpuMs(policy, 250), 250);
	}
});

test('compile profile: all of /usr read-only, the job directory bound writable, plain ASCII diagnostics', t => {
	const profile = compileProfile(mergedUsr, config.compile);
	t.deepEqual(profile.readOnly, ['/usr']);
	t.deepEqual(profile.links, mergedUsr.links);
	t.like(profile, {name: 'compile', jobDir: 'bind', lang: 'C', addressSpaceSlackMb: 0});
	t.deepEqual(compileProfile(split, config.compile).readOnly, ['/usr', '/bin', '/lib', '/lib64', '/sbin']);
});

test('run profile: libraries only (no /usr/bin, no compiler), a private tmpfs job directory', t => {
	const profile = runProfile(mergedUsr, config.run);
	t.deepEqual(profile.readOnly, ['/usr/lib', '/usr/lib64']);
	t.deepEqual(profile.links.map(link => link.path), ['/lib', '/lib64'], '/bin is not a library directory');
	t.like(profile, {name: 'run', jobDir: 'tmpfs', lang: 'C.UTF-8', addressSpaceSlackMb: 16});
	t.deepEqual(runProfile(split, config.run).readOnly, ['/usr/lib', '/lib', '/lib64']);
	t.false(profile.readOnly.some(entry => entry === '/usr' || entry.startsWith('/usr/bin')));
});
