// deploy/seccomp.json: the container runtime's default profile plus what bubblewrap needs, nothing more.
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {projectRoot} from './helpers/server.ts';

interface Rule {
	names: string[];
	action: string;
	args?: unknown[];
	includes?: Record<string, unknown>;
	comment?: string;
}

const profile = JSON.parse(fs.readFileSync(path.join(projectRoot, 'deploy', 'seccomp.json'), 'utf8')) as {defaultAction: string; syscalls: Rule[]};
/** Rules that allow a call whatever the arguments and capabilities. */
const allowedOutright = new Set(profile.syscalls
	.filter(rule => rule.action === 'SCMP_ACT_ALLOW' && (rule.args ?? []).length === 0 && Object.keys(rule.includes ?? {}).length === 0)
	.flatMap(rule => rule.names));

test('deny by default', t => {
	t.is(profile.defaultAction, 'SCMP_ACT_ERRNO');
});

test('what bubblewrap needs is allowed without CAP_SYS_ADMIN, in one rule that says why', t => {
	const needed = ['unshare', 'clone', 'clone3', 'setns', 'mount', 'umount2', 'pivot_root', 'sethostname'];
	for (const name of needed) {
		t.true(allowedOutright.has(name), name);
	}

	const ours = profile.syscalls.filter(rule => rule.comment?.startsWith('c-runner:'));
	t.is(ours.length, 1);
	t.deepEqual(ours[0]?.names, needed);
	t.is(profile.syscalls.flatMap(rule => rule.names).filter(name => needed.includes(name)).length, needed.length, 'each named once');
});

test('the dangerous calls of the default profile stay refused', t => {
	for (const name of ['kexec_load', 'init_module', 'finit_module', 'delete_module', 'bpf', 'perf_event_open', 'open_by_handle_at', 'swapon', 'iopl', 'ioperm', 'settimeofday', 'acct', 'setdomainname', 'add_key', 'request_key']) {
		t.false(allowedOutright.has(name), name);
	}
});
