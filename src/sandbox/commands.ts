// What the server asks of its tools at start-up, outside any sandbox: versions, and the helper's filter table.
import {execa} from 'execa';

/**
 * One row of the helper's syscall filter: a call refused with an errno, when a condition holds (or always); errno
 * `0` is a call answered as done (0) without being made.
 */
export interface DeniedCall {
	readonly call: string;
	readonly errno: string;
	/** The condition in words; absent when the call is always refused. */
	readonly when?: string;
	readonly why: string;
}

export interface SyscallFilter {
	readonly denied: readonly DeniedCall[];
	/** What happens to system calls of another ABI (i386, x32). */
	readonly abi: string;
}

/** The helper's `--list-filter` output: tab-separated `deny` rows, then one `abi` line. Strict: anything else is null. */
export function parseFilterList(text: string): SyscallFilter | null {
	const denied: DeniedCall[] = [];
	let abi: string | null = null;
	for (const line of text.trimEnd().split('\n')) {
		const fields = line.split('\t');
		if (fields[0] === 'deny' && fields.length === 5 && abi === null && /^[a-z_\d]+$/.test(fields[1]!) && /^(E[A-Z]+|0)$/.test(fields[2]!) && fields[4] !== '') {
			const [, call, errno, when, why] = fields as [string, string, string, string, string];
			denied.push({call, errno, ...(when === '' ? {} : {when}), why});
		} else if (fields[0] === 'abi' && fields.length === 2 && abi === null && fields[1] !== '') {
			abi = fields[1]!;
		} else {
			return null;
		}
	}

	return abi === null || denied.length === 0 ? null : {denied, abi};
}

/** The syscall filter the helper installs, from the helper itself; null when it cannot tell (an old or broken build). */
export async function helperFilter(helperPath: string): Promise<SyscallFilter | null> {
	// cwd /: the server's own working directory may be one its uid cannot enter (a checkout in /root, a mktemp -d).
	const result = await execa(helperPath, ['--list-filter'], {reject: false, env: {}, extendEnv: false, cwd: '/', timeout: 5000});
	return result.exitCode === 0 ? parseFilterList(result.stdout) : null;
}

/** First line of `<command> --version`, for /health; null when the command does not run. */
export async function commandVersion(file: string): Promise<string | null> {
	const result = await execa(file, ['--version'], {reject: false, env: {PATH: '/usr/bin:/bin'}, extendEnv: false, cwd: '/', timeout: 5000});
	return result.exitCode === 0 ? result.stdout.split('\n')[0] ?? null : null;
}
