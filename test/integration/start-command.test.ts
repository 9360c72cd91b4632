// `npm start` itself, as a service manager runs it: npm, then `sh -c`, then scripts/setup.mjs, then the server. A
// SIGTERM to npm (the only process such a manager knows) stops the server cleanly, leaving nothing behind.
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import test from 'ava';
import {projectRoot, uidOffset, waitFor} from '../helpers/server.ts';

/** Running, not a zombie; gone as it is looked at is gone. */
const alive = (pid: number) => {
	try {
		return !/^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
	} catch {
		return false;
	}
};

test('a SIGTERM to npm start stops the server it started, cleanly: nothing left', async t => {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'c-runner-test-'));
	fs.chmodSync(dir, 0o711);
	const jobRoot = path.join(dir, 'jobs');
	const npm = spawn('npm', ['start'], {
		cwd: projectRoot,
		env: {...process.env, PORT: '0', C_RUNNER_JOB_ROOT: jobRoot, C_RUNNER_UID_BASE: String(66_540 + uidOffset), C_RUNNER_COMPILE_CACHE_DIR: dir},
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let serverPid: number | undefined;
	try {
		const listening = await new Promise<Record<string, unknown>>((resolve, reject) => {
			readline.createInterface({input: npm.stdout!}).on('line', line => {
				if (line.startsWith('{')) {
					const entry = JSON.parse(line) as Record<string, unknown>;
					if (entry['msg'] === 'c-runner listening') {
						resolve(entry);
					}
				}
			});
			npm.once('exit', code => reject(new Error(`npm start exited with ${code} before the server listened`)));
		});
		serverPid = listening['pid'] as number;
		t.true(alive(serverPid));
		npm.kill('SIGTERM');
		t.true(await waitFor(() => !alive(serverPid!), 20_000), 'the server stops once npm is gone');
		t.deepEqual(fs.readdirSync(jobRoot), [], 'no job directory');
		t.deepEqual(fs.readdirSync(dir).filter(name => name !== 'jobs'), [], 'no compile cache');
	} finally {
		npm.kill('SIGKILL');
		// A server left running by a failure here is stopped the way it cleans up.
		if (serverPid !== undefined && alive(serverPid)) {
			process.kill(serverPid, 'SIGTERM');
			await waitFor(() => !alive(serverPid!), 20_000);
		}

		fs.rmSync(dir, {recursive: true, force: true});
	}
});
