#!/usr/bin/env node
// Writes deploy/seccomp.json: the container runtime's own default seccomp profile (containers-common's
// /usr/share/containers/seccomp.json, the one podman uses, itself derived from Docker's) plus exactly what
// bubblewrap needs inside the container, allowed without CAP_SYS_ADMIN. The result is a whole profile, usable with
// Docker (`--security-opt seccomp=deploy/seccomp.json`), podman and Kubernetes (a Localhost profile).
//
//   node scripts/seccomp-profile.mjs [BASE_PROFILE] > deploy/seccomp.json
import fs from 'node:fs';

/** What bwrap calls to build a sandbox, and why; everything else stays as the runtime's default has it. */
export const sandboxSyscalls = {
	unshare: 'new user, pid, ipc, net, uts, cgroup and mount namespaces',
	clone: 'the sandbox\'s first process, created in its new namespaces',
	clone3: 'the same, through the newer call',
	setns: 'bwrap joins the namespaces it made',
	mount: 'the sandbox\'s own root, tmpfs and read-only binds; its private /proc',
	umount2: 'detaching the old root after pivot_root',
	pivot_root: 'switching into the sandbox\'s new root',
	sethostname: 'the sandbox\'s hostname, in its own UTS namespace',
};

const base = JSON.parse(fs.readFileSync(process.argv[2] ?? '/usr/share/containers/seccomp.json', 'utf8'));
const names = Object.keys(sandboxSyscalls);
// Take these calls out of every rule of the base (some allow them only with CAP_SYS_ADMIN, or only without
// namespace flags) ...
const syscalls = base.syscalls
	.map(rule => ({...rule, names: rule.names.filter(name => !names.includes(name))}))
	.filter(rule => rule.names.length > 0);
// ... and allow them outright, in one rule that says why.
syscalls.push({
	names,
	action: 'SCMP_ACT_ALLOW',
	comment: `c-runner: bubblewrap builds each sandbox with these (${names.map(name => `${name}: ${sandboxSyscalls[name]}`).join('; ')})`,
});
process.stdout.write(`${JSON.stringify({...base, syscalls}, null, '\t')}\n`);
