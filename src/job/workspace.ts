import fs from 'node:fs/promises';
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {v4 as uuidv4} from 'uuid';
import type {Logger} from 'pino';
import type {SandboxUser} from '../sandbox/spawn.ts';
import {procStatFields} from '../proc.ts';
import type {SourceFile} from './language.ts';

export const binaryName = 'source';
export const stdinName = 'stdin';
/** Names the instance that created a job directory, so a restart sweeps only what a dead instance left. */
export const ownerName = '.owner';
const jobDirPattern = /^c_exec_[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/;

export interface Owner {
	readonly pid: number;
	/** The process's start time in clock ticks since boot: a reused pid has another. */
	readonly start: string;
}

export interface Workspace {
	readonly dir: string;
	readonly binaryPath: string;
	readonly stdinPath: string;
	dispose(): Promise<void>;
}

export function processStart(pid: number): string | null {
	return procStatFields(pid)?.[19] ?? null;
}

export function currentOwner(): Owner {
	return {pid: process.pid, start: processStart(process.pid) ?? 'unknown'};
}

async function chownAll(paths: readonly string[], user: SandboxUser | null) {
	if (user !== null) {
		await Promise.all(paths.map(async file => fs.chown(file, user.uid, user.gid)));
	}
}

/** What a new job directory starts with: source to compile, or a program compiled in another job directory. */
export type WorkspaceContent = {readonly files: readonly SourceFile[]} | {readonly binaryFrom: string};

/** `/<root>/c_exec_<uuid>`, mode 0700, owned by the job's uid, holding the owner mark and the source or program. */
export async function createWorkspace(jobRoot: string, owner: Owner, user: SandboxUser | null, content: WorkspaceContent): Promise<Workspace> {
	const dir = path.join(jobRoot, `c_exec_${uuidv4()}`);
	// Not recursive: if the name exists (someone pre-created it), fail instead of using it.
	await fs.mkdir(dir, {mode: 0o700});
	const workspace: Workspace = {
		dir,
		binaryPath: path.join(dir, binaryName),
		stdinPath: path.join(dir, stdinName),
		dispose: async () => removeTree(dir),
	};
	try {
		await fs.writeFile(path.join(dir, ownerName), JSON.stringify(owner), {mode: 0o600, flag: 'wx'});
		if ('files' in content) {
			// Names were checked (plain names, none reserved); `wx` refuses to write over anything all the same.
			const paths = content.files.map(file => path.join(dir, file.name));
			await Promise.all(content.files.map(async (file, index) => fs.writeFile(paths[index]!, file.content, {mode: 0o600, flag: 'wx'})));
			await chownAll([dir, ...paths], user);
		} else {
			await fs.copyFile(content.binaryFrom, workspace.binaryPath, fs.constants.COPYFILE_EXCL);
			await fs.chmod(workspace.binaryPath, 0o755);
			await chownAll([dir, workspace.binaryPath], user);
		}
	} catch (error) {
		await workspace.dispose();
		throw error;
	}

	return workspace;
}

export async function writeStdin(workspace: Workspace, stdin: string): Promise<void> {
	// Written after the compile step, so the compiler never sees it; the server opens it for the sandbox.
	await fs.writeFile(workspace.stdinPath, stdin, {mode: 0o600, flag: 'wx'});
}

/** A new file in a job directory for the sandbox to read (bound read-only), owned by the job's uid; its path. */
export async function writeJobFile(workspace: Workspace, name: string, content: string | Buffer, user: SandboxUser | null): Promise<string> {
	const file = path.join(workspace.dir, name);
	await fs.writeFile(file, content, {mode: 0o400, flag: 'wx'});
	await chownAll([file], user);
	return file;
}

export async function removeTree(dir: string): Promise<void> {
	await fs.rm(dir, {recursive: true, force: true, maxRetries: 3});
}

function readOwner(dir: string): Owner | null {
	try {
		const owner: unknown = JSON.parse(readFileSync(path.join(dir, ownerName), 'utf8'));
		if (typeof owner === 'object' && owner !== null && 'pid' in owner && 'start' in owner
			&& Number.isInteger(owner.pid) && typeof owner.start === 'string') {
			return {pid: owner.pid as number, start: owner.start};
		}
	} catch {}

	return null;
}

/**
 * Removes job directories whose creating instance is gone (a crash). A directory whose owner still runs — another
 * instance beside this one — is left alone, and so is one without an owner mark: it is not known to be ours.
 */
export async function sweepStaleWorkspaces(jobRoot: string, logger: Logger): Promise<number> {
	let removed = 0;
	const entries = await fs.readdir(jobRoot, {withFileTypes: true}).catch(() => []);
	for (const entry of entries) {
		if (!entry.isDirectory() || !jobDirPattern.test(entry.name)) {
			continue;
		}

		const dir = path.join(jobRoot, entry.name);
		const owner = readOwner(dir);
		if (owner === null || processStart(owner.pid) === owner.start) {
			continue;
		}

		await removeTree(dir);
		removed++;
		logger.info({dir, ownerPid: owner.pid}, 'removed stale job directory');
	}

	return removed;
}
