// The helper's syscall filter and fresh session keyring, below the server: the compile and the run profile both
// run their command filtered (real bwrap, no server), the filter list is the helper's own, and the keyring the
// helper inherits is out of the command's reach. The probe is examples/syscall-filter.c.
import {execFileSync, spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import {loadConfig} from '../../src/config.ts';
import {bwrapArgs} from '../../src/sandbox/bwrap-args.ts';
import {compileProfile, runProfile} from '../../src/sandbox/profiles.ts';
import {readHostLayout} from '../../src/sandbox/host-layout.ts';
import {spawnSandbox} from '../../src/sandbox/spawn.ts';
import {helperFilter, parseFilterList} from '../../src/sandbox/commands.ts';
import {parseReport} from '../../src/sandbox/report.ts';
import {examplesDir, projectRoot} from '../helpers/server.ts';

const helper = path.join(projectRoot, 'sandbox', 'build', 'c-runner-sandbox');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'c-runner-filter-test-'));
const probe = path.join(dir, 'probe');
execFileSync('gcc', ['-std=gnu17', '-O2', '-o', probe, path.join(examplesDir, 'syscall-filter.c')]);
test.after.always(() => {
	fs.rmSync(dir, {recursive: true, force: true});
});

const field = (output: string, name: string) => new RegExp(`^${name}:\\s+(\\d+)$`, 'm').exec(output)?.[1];

for (const name of ['compile', 'run'] as const) {
	test(`the ${name} profile runs its command under the filter, in real bwrap`, async t => {
		const config = loadConfig({});
		const layout = readHostLayout();
		const profile = name === 'compile' ? compileProfile(layout, config.compile) : runProfile(layout, config.run);
		const signal = new AbortController().signal;
		const run = await spawnSandbox({
			bwrapPath: config.bwrapPath,
			command: {args: bwrapArgs(profile, {dir, files: [probe], argv: [probe], helperPath: helper}), backstopMs: 20_000, signal},
			user: null,
			outputBytes: 1024 * 1024,
			signal,
		});
		const output = run.stdout.toString();
		t.like(run.report, {execErrno: 0, exited: true, exitCode: 0}, run.stderr.toString());
		t.is(field(output, 'Seccomp'), '2', output);
		t.regex(output, /^clone3: refused ENOSYS$/m);
		t.regex(output, /^socket\(AF_VSOCK\): refused EAFNOSUPPORT$/m);
		t.regex(output, /^io_uring_setup: refused EPERM$/m);
		t.regex(output, /^control fork: allowed/m);
	});
}

test('the probe can tell: run outside the helper, nothing is refused by a filter of ours', t => {
	const direct = execFileSync(probe, {encoding: 'utf8'});
	const filtered = spawnSync(helper, ['--report-fd', '3', '--wall-ms', '5000', '--', probe], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe', 'pipe']}).stdout;
	t.is(Number(field(filtered, 'Seccomp_filters')), Number(field(direct, 'Seccomp_filters')) + 1, 'the helper adds exactly one filter');
	t.notRegex(direct, /^clone3: refused ENOSYS$/m);
	t.regex(filtered, /^clone3: refused ENOSYS$/m);
	t.notRegex(direct, /^keyctl: refused EPERM$/m);
	t.regex(filtered, /^keyctl: refused EPERM$/m);
	t.regex(direct, /^fsync\(bad descriptor\): refused EBADF$/m);
	t.regex(filtered, /^fsync\(bad descriptor\): allowed \(returned 0\)$/m);
	t.notRegex(direct, /^abi x32: killed/m);
	t.regex(filtered, /^abi x32: killed by signal 31$/m);
});

test('--list-filter prints the table the helper installs; the server reads it strictly', async t => {
	const filter = await helperFilter(helper);
	t.truthy(filter);
	t.true(filter!.denied.length > 40);
	t.deepEqual(filter!.denied.find(entry => entry.call === 'clone3'), {call: 'clone3', errno: 'ENOSYS', why: filter!.denied.find(entry => entry.call === 'clone3')!.why});
	t.like(filter!.denied.find(entry => entry.call === 'socket'), {errno: 'EAFNOSUPPORT', when: 'family other than AF_UNIX, AF_INET, AF_INET6, AF_NETLINK'});
	t.like(filter!.denied.find(entry => entry.call === 'fsync'), {errno: '0'}, 'answered as done');
	t.is(parseFilterList('deny\tfsync\t1\t\tflushes\nabi\tkill\n'), null, 'a number other than 0 is no errno name');
	t.like(filter!.denied.find(entry => entry.call === 'socket' && entry.errno === 'EPROTONOSUPPORT'), {when: 'AF_NETLINK with a protocol other than NETLINK_ROUTE'});
	t.is(parseFilterList('deny\tkeyctl\tEPERM\t\tkeyrings\n'), null, 'no ABI line');
	t.is(parseFilterList('abi\tkill\n'), null, 'no entries');
	t.is(parseFilterList('deny\tkeyctl\tEPERM\t\t\nabi\tkill\n'), null, 'an entry without a reason');
	t.is(parseFilterList('deny\tkeyctl\tEPERM\t\tkeyrings\nabi\tkill\nextra\n'), null);
	t.deepEqual(parseFilterList('deny\tkeyctl\tEPERM\t\tkeyrings\nabi\tkill\n'), {denied: [{call: 'keyctl', errno: 'EPERM', why: 'keyrings'}], abi: 'kill'});
});

// Joins a session keyring of its own, adds a key only a possessor may see, checks it sees it itself, then runs
// `cat /proc/keys` under the helper: with the helper's fresh session keyring, the command possesses no such key.
const keyringParent = `
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(int argc, char **argv) {
	(void)argc;
	if (syscall(SYS_keyctl, 1, "c-runner-test-session") < 0) { perror("join"); return 2; }
	long key = syscall(SYS_add_key, "user", "c-runner-helper-canary", "payload", 7, -3);
	if (key < 0 || syscall(SYS_keyctl, 5, key, 0x3f000000) < 0) { perror("add_key"); return 2; }
	char line[512];
	int seen = 0;
	FILE *keys = fopen("/proc/keys", "r");
	while (keys && fgets(line, sizeof line, keys)) seen |= strstr(line, "c-runner-helper-canary") != NULL;
	printf("parent sees the key: %s\\n", seen ? "yes" : "no");
	fflush(stdout);
	execv(argv[1], &argv[1]);
	perror("execv");
	return 2;
}
`;

/** A probe of this file, compiled into its scratch directory; its path. */
function build(name: string, code: string): string {
	const source = path.join(dir, `${name}.c`);
	const binary = path.join(dir, name);
	fs.writeFileSync(source, code);
	execFileSync('gcc', ['-std=gnu17', '-O2', '-o', binary, source]);
	return binary;
}

test('the command gets a fresh session keyring: a key of the keyring the helper inherits is out of its reach', t => {
	const parent = build('keyring-parent', keyringParent);
	const result = spawnSync(parent, [helper, '--report-fd', '3', '--wall-ms', '5000', '--', '/bin/cat', '/proc/keys'], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe', 'pipe']});
	t.is(result.status, 0, result.stderr);
	const [first, ...rest] = result.stdout.split('\n');
	t.is(first, 'parent sees the key: yes', 'the key is there to be seen: the test can fail');
	t.notRegex(rest.join('\n'), /c-runner-helper-canary/);
	t.regex(rest.join('\n'), /keyring\s+_ses: empty/, 'the command has an empty session keyring of its own');
});

test('the filter loads under any address-space limit: the command runs and fails its own way, not in the helper', t => {
	// 1 MiB: too little for the dynamic loader to map libc. The filter, compiled before the fork, needs no memory
	// in the child, so the error is the loader's own (exit 127), never a crash of the set-up (SIGSEGV).
	const result = spawnSync(helper, ['--report-fd', '3', '--wall-ms', '5000', '--as-bytes', String(1024 * 1024), '--', probe], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe', 'pipe']});
	t.like(parseReport(String(result.output[3])), {execErrno: 0, exited: true, exitCode: 127, signal: 0});
	t.regex(result.stderr, /error while loading shared libraries/);
});

// Every family below 70, and values with high bits set: EAFNOSUPPORT exactly for those the filter refuses.
const familySweep = `
#include <errno.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(void) {
	long long values[80] = {0x100000001LL, 0x10000000aLL, -1, (long long)0xffffffff00000002ULL, 1LL << 40 | 16};
	int n = 5, bad = 0;
	for (int family = 0; family < 70; family++) values[n++] = family;
	for (int i = 0; i < n; i++) {
		long fd = syscall(SYS_socket, values[i], SOCK_DGRAM, 0);
		int refused = fd < 0 && errno == EAFNOSUPPORT;
		int allowed = values[i] == AF_UNIX || values[i] == AF_INET || values[i] == AF_INET6 || values[i] == AF_NETLINK;
		if (refused == allowed) { printf("family %#llx: %s\\n", values[i], refused ? "refused" : "allowed"); bad = 1; }
		if (fd >= 0) close((int)fd);
	}
	puts(bad ? "families: not as the filter says" : "families: exact");
	return 0;
}
`;

test('socket families: exactly AF_UNIX, AF_INET, AF_INET6 and AF_NETLINK pass, high bits never sneak one through', t => {
	const sweep = build('families', familySweep);
	const filtered = spawnSync(helper, ['--report-fd', '3', '--wall-ms', '5000', '--', sweep], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe', 'pipe']});
	t.is(filtered.stdout, 'families: exact\n');
	t.regex(execFileSync(sweep, {encoding: 'utf8'}), /not as the filter says/, 'unfiltered, the sweep tells: the test can fail');
});
