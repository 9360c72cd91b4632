// The floor with c-runner's sandboxes and nothing else of c-runner: a hello world compiled in a compile sandbox and
// run in a run sandbox, each a new bwrap with the server's own arguments, helper and spawn function (and, with job
// cgroups, a new job cgroup per step joined by the launcher), from this process, with no HTTP, no workspace, no
// compile cache, nothing made ahead. Its throughput against the bare floor's is the most any server can reach that
// starts a fresh sandbox per step, however little work of its own it does: the ceiling for `npm run bench`'s
// 4-client figure. Root only (the sandboxes run as an unprivileged uid, as a job slot's do).
import fs from 'node:fs';
import path from 'node:path';
import {pino} from 'pino';
import type {Config} from '../src/config.ts';
import {compileArgv, type Program} from '../src/job/language.ts';
import {bwrapArgs} from '../src/sandbox/bwrap-args.ts';
import {openCgroupBackend} from '../src/sandbox/cgroup.ts';
import {readHostLayout} from '../src/sandbox/host-layout.ts';
import {installHelper} from '../src/sandbox/install-helper.ts';
import {compileProfile, runProfile, type SandboxProfile} from '../src/sandbox/profiles.ts';
import {spawnSandbox, type SandboxUser} from '../src/sandbox/spawn.ts';

export interface SandboxedFloor {
	/** One pipeline: compile in a sandbox, run in another; throws unless the program printed `expected`. */
	once(program: Program): Promise<void>;
	/** The instance cgroup directories its job cgroups are made in (none without job cgroups); close removes them. */
	readonly cgroupDirs: readonly string[];
	close(): Promise<void>;
}

/**
 * `uids`: one sandbox uid per concurrent pipeline, as the server gives each slot its own (so one pipeline's
 * processes never count against another's process limit). `cgroups`: each step in a new job cgroup, as the server's
 * are, or none (an unprivileged server's sandboxes).
 */
export async function sandboxedFloor(config: Config, uids: readonly number[], cgroups: boolean, expected: string): Promise<SandboxedFloor> {
	if (process.getuid?.() !== 0) {
		throw new Error('the sandboxed floor needs root: its sandboxes run as unprivileged uids');
	}

	const layout = readHostLayout();
	const helperPath = installHelper(config.helperPath, config.helperInstallDir);
	const launcherPath = installHelper(config.launcherPath, config.helperInstallDir, 'c-runner-launch');
	const backend = cgroups ? await openCgroupBackend(pino({level: 'silent'})) : null;
	if (typeof backend === 'string') {
		throw new Error(`no job cgroups: ${backend}`);
	}

	const free: SandboxUser[] = uids.map(uid => ({uid, gid: uid}));
	const signal = new AbortController().signal;
	let serial = 0;
	const step = async (profile: SandboxProfile, user: SandboxUser, job: Parameters<typeof bwrapArgs>[1]) => {
		const cgroup = backend ? await backend.createJob(`floor-${process.pid}-${serial++}`, user, profile.limits) : null;
		try {
			const run = await spawnSandbox({
				bwrapPath: config.bwrapPath,
				command: {args: bwrapArgs(profile, {...job, cgroup: cgroup !== null}), backstopMs: 20_000, signal},
				user,
				outputBytes: 65_536,
				signal,
				...(cgroup ? {launcher: {path: launcherPath, args: cgroup.launchArgs}} : {}),
			});
			await cgroup?.read();
			if (run.report?.exited !== true || run.report.exitCode !== 0) {
				throw new Error(`a sandboxed step failed: ${JSON.stringify(run.report)} ${run.stderr.toString()}`);
			}

			return run.stdout.toString();
		} finally {
			await cgroup?.remove();
		}
	};

	return {
		async once(program) {
			const user = free.pop();
			if (user === undefined) {
				throw new Error('more pipelines at once than uids');
			}

			const dir = await fs.promises.mkdtemp('/tmp/c_exec_floor-');
			try {
				for (const file of program.files) {
					await fs.promises.writeFile(path.join(dir, file.name), file.content);
				}

				await fs.promises.chown(dir, user.uid, user.gid);
				const binary = path.join(dir, 'program');
				await step(compileProfile(layout, config.compile), user, {dir, files: [], argv: compileArgv(program, 'program', config.linker), helperPath});
				const output = await step(runProfile(layout, config.run), user, {dir, files: [binary], argv: [binary], helperPath});
				if (output !== expected) {
					throw new Error(`the sandboxed program printed ${JSON.stringify(output)}`);
				}
			} finally {
				free.push(user);
				await fs.promises.rm(dir, {recursive: true, force: true});
			}
		},
		cgroupDirs: backend ? Object.values(backend.dirs) : [],
		async close() {
			await backend?.close();
		},
	};
}
