// The bench's floor in sandboxes (scripts/sandboxed-floor.ts), through real gcc and bwrap: a hello world compiled in
// a fresh compile sandbox and run in a fresh run sandbox, without and with a job cgroup per step, leaves no job
// directory and no cgroup behind; a program that prints something else is a failure, not a figure.
import fs from 'node:fs';
import test from 'ava';
import {loadConfig} from '../../src/config.ts';
import {programFromCode} from '../../src/job/language.ts';
import {sandboxedFloor} from '../../scripts/sandboxed-floor.ts';
import {example, uidOffset} from '../helpers/server.ts';

const hello = example('hello.c');
const uids = [66_860 + uidOffset, 66_861 + uidOffset];
const leftDirs = () => fs.readdirSync('/tmp').filter(name => name.startsWith('c_exec_floor-'));
const childCgroups = (dirs: readonly string[]) => dirs.flatMap(dir => fs.readdirSync(dir, {withFileTypes: true}).filter(entry => entry.isDirectory()).map(entry => `${dir}/${entry.name}`));

for (const cgroups of [false, true]) {
	test.serial(`two pipelines at once, each step in a fresh sandbox${cgroups ? ' and job cgroup' : ''}, leave nothing behind`, async t => {
		if (process.getuid?.() !== 0) {
			t.log('skipped: the sandboxed floor needs root (its sandboxes run as unprivileged uids)');
			t.pass();
			return;
		}

		const floor = await sandboxedFloor(loadConfig({}), uids, cgroups, 'Hello from C!');
		try {
			t.is(floor.cgroupDirs.length, cgroups ? 3 : 0);
			await Promise.all([floor.once(programFromCode(hello)), floor.once(programFromCode(`${hello}\n// another\n`))]);
			await t.throwsAsync(floor.once(programFromCode(hello.replace('printf("Hello from C!")', 'printf("Hello from D!")'))), {message: /printed "Hello from D!"/});
			const tooMany = await Promise.allSettled(Array.from({length: 3}, async () => floor.once(programFromCode(hello))));
			t.deepEqual(tooMany.map(outcome => outcome.status === 'rejected' ? String(outcome.reason) : 'ok'), ['ok', 'ok', 'Error: more pipelines at once than uids']);
			t.deepEqual(leftDirs(), []);
			t.deepEqual(childCgroups(floor.cgroupDirs), []);
		} finally {
			await floor.close();
		}

		t.true(floor.cgroupDirs.every(dir => !fs.existsSync(dir)), 'its instance cgroups removed');
	});
}
