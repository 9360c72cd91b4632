import test from 'ava';
import {parseChildPid, spawnSandbox, type SandboxCommand} from '../../src/sandbox/spawn.ts';

test('the helper pid is read from bwrap\'s info JSON', t => {
	t.is(parseChildPid('{\n    "child-pid": 3471,\n    "pid-namespace": 4026532181\n}\n'), 3471);
	t.is(parseChildPid('{\n    "child-pid": 34'), null, 'incomplete: not yet');
	t.is(parseChildPid('{"child-pid": 1}'), null, 'never the host init');
	t.is(parseChildPid('{"child-pid": "12"}'), null);
	t.is(parseChildPid('null'), null);
});

/**
 * A sandbox made ahead, played by a shell in the launcher's place: `script` runs with the command's descriptor 7, and
 * the command is sent once it has had time to run (after `delayMs`).
 */
async function madeAhead(script: string, delayMs: number) {
	const signal = new AbortController().signal;
	let send!: (command: SandboxCommand) => void;
	const command = new Promise<SandboxCommand>(resolve => {
		send = resolve;
	});
	const run = spawnSandbox({
		bwrapPath: '/usr/bin/bwrap',
		command,
		madeAhead: ['--never-used'],
		user: null,
		outputBytes: 4096,
		signal,
		launcher: {path: '/bin/sh', args: ['-c', script, 'sh']},
	});
	await new Promise(resolve => setTimeout(resolve, delayMs));
	send({args: ['--wall-ms', '1000', '--', '/bin/true'], backstopMs: 5000, signal});
	return run;
}

test('a command that reaches nobody — what waited for it is gone — is unsent: nothing ran', async t => {
	t.true((await madeAhead('exit 0', 200)).unsent, 'gone before the command came');
	t.true((await madeAhead('exec 7<&-; sleep 0.3', 100)).unsent, 'alive, but its end of the pipe closed');
	const read = await madeAhead('cat <&7', 100);
	t.is(read.unsent, undefined, 'read: delivered');
	t.is(read.stdout.toString(), '--wall-ms\u00001000\u0000--\u0000/bin/true\u0000');
});
