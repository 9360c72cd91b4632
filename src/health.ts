import type {Config} from './config.ts';
import {defaultLimits} from './job/parse-request.ts';
import {appliedLimits} from './job/result.ts';
import {jobRootFailure, SandboxError} from './job/errors.ts';
import {runJob, type JobDeps} from './job/run-job.ts';
import {bwrapArgs} from './sandbox/bwrap-args.ts';
import {compileArgv, defaultCompiler, languageNames, languageSpecs, programFromCode, type CompilerName} from './job/language.ts';
import type {Queues, Slots} from './job/slots.ts';
import {describeAccounting, type AccountingChoice} from './sandbox/accounting.ts';
import {noProcReason, policyWeakenings, type SandboxProfile} from './sandbox/profiles.ts';
import type {SandboxUser} from './sandbox/spawn.ts';
import type {SyscallFilter} from './sandbox/commands.ts';

export interface HealthReport {
	readonly status: 'ok' | 'failing';
	readonly checked_at: string;
	readonly self_test: {readonly ok: boolean; readonly duration_ms: number; readonly problem: string | null};
	readonly versions: Readonly<Record<string, string | null>>;
	readonly policy: unknown;
	readonly slots: Slots['stats'];
	/** Judge requests past their wait (C_RUNNER_JUDGES), and those waiting for their turn. */
	readonly judges: Slots['stats'];
}

export interface HealthCheck {
	check(): Promise<HealthReport>;
}

const selfTestCode = '#include <stdio.h>\n#include <math.h>\nint main(int argc, char **argv) { char word[16] = ""; scanf("%15s", word); printf("%s %s %.0f", argv[1], word, sqrt(16.0)); return 0; }\n';
const selfTestExpected = 'self-test ping 4';
/**
 * How a self-test's problem begins when one of the server's own limits stopped it (a compile memory limit too small
 * for gcc): the sandbox itself works, and no weaker policy would do better.
 */
export const selfTestLimitStop = 'a limit stopped the self-test';
/**
 * How a self-test's problem begins when the job root could not take its files (out of space or inodes, read-only):
 * no sandbox was tried, and no weaker policy would do better.
 */
export const selfTestJobRoot = 'the job root cannot take a job';

function describeProfile(profile: SandboxProfile, outputBytes: number) {
	return {
		read_only: profile.readOnly,
		symlinks: profile.links.map(link => `${link.path} -> ${link.target}`),
		job_directory: profile.jobDir === 'bind' ? 'host job directory, writable' : 'private tmpfs, size-capped',
		limits: appliedLimits(profile.limits, outputBytes, profile.policy),
	};
}

export function describePolicy(config: Config, profiles: JobDeps['profiles'], perSlotUsers: boolean, filter: SyscallFilter, accountingChoice: AccountingChoice = {cgroups: null, reason: null}) {
	const {policy} = profiles.run;
	const weakened = policyWeakenings(policy, config.sandboxProc);
	const accounting = describeAccounting(accountingChoice, policy);
	return {
		level: weakened.length === 0 ? 'strongest' : 'reduced',
		weakened,
		// Read off the policy itself: the namespaces bwrap is told to make.
		namespaces: bwrapArgs(profiles.run, {dir: '/job', files: [], argv: ['/job/program'], helperPath: '/helper'}).filter(arg => arg.startsWith('--unshare-')).map(arg => arg.slice('--unshare-'.length)),
		proc: policy.proc === 'private'
			? 'a private procfs of the sandbox\'s own pid namespace'
			: config.sandboxProc === 'none'
				? `none: ${noProcReason(config.sandboxProc)}; the host's is never shown`
				: `none: ${noProcReason(config.sandboxProc)} (masked /proc); the host's is never shown`,
		cpu_limit: accounting.cpu_limit,
		accounting,
		nested_user_namespaces: !policy.noNestedUserns,
		network: 'none: a private loopback only',
		capabilities: 'none',
		syscall_filter: {
			installed_by: 'the sandbox helper, in the command\'s own process just before exec, in both sandboxes (compile and run); the helper itself is not filtered',
			default: 'allow',
			denied: filter.denied,
			abi: filter.abi,
		},
		keyring: 'a new, empty session keyring for every sandbox; the keyring calls are refused as well',
		environment: 'cleared; PATH, HOME, PWD, LANG, TMPDIR set',
		sandbox_uid: perSlotUsers ? `one host uid per job slot, from ${config.uidBase}` : 'the server\'s own uid (not root)',
		// What each language's compile runs, with its default options; `std` and `optimize` change two of the flags.
		// gcc's under the language's name, another compiler's as `<language>/<compiler>` (`c/tcc`).
		compilers: Object.fromEntries(languageNames.flatMap(language => (Object.keys(languageSpecs[language].compilers) as CompilerName[]).map(compiler =>
			[compiler === defaultCompiler ? language : `${language}/${compiler}`, compileArgv(programFromCode('', {language, std: languageSpecs[language].defaultStd, optimize: '2', compiler}), 'source', config.linker).join(' ')]))),
		compile: describeProfile(profiles.compile, config.outputBytes),
		run: describeProfile(profiles.run, config.outputBytes),
	};
}

/** A report as the self-test makes it: the queues' figures are added at each answer. */
type SelfTestReport = Omit<HealthReport, keyof Queues>;

/**
 * A real compile-and-run through the sandbox, cached for the configured time. It runs as its own uid and takes no
 * job slot, so a server busy with user jobs is not reported dead; concurrent callers share one check.
 */
export function createHealthCheck(deps: JobDeps, user: SandboxUser | null, queues: Queues, versions: HealthReport['versions'], policy: unknown): HealthCheck {
	let cached: {report: SelfTestReport; at: number} | null = null;
	let running: Promise<SelfTestReport> | null = null;

	const selfTest = async (): Promise<SelfTestReport> => {
		const started = performance.now();
		let problem: string | null = null;
		let thrown: unknown;
		try {
			const {compile, run} = deps.profiles;
			const signal = AbortSignal.timeout(compile.limits.wallMs + run.limits.wallMs + 10_000);
			const result = await runJob({program: programFromCode(selfTestCode), args: ['self-test'], stdin: 'ping', limits: defaultLimits}, {user, deps, signal});
			if (result.stopped_by !== null) {
				problem = `${selfTestLimitStop} (stopped_by ${result.stopped_by}): status ${result.status}, error ${JSON.stringify(result.error.slice(-500))}`;
			} else if (result.status !== 'ok' || result.output !== selfTestExpected) {
				problem = `self-test gave status ${result.status}, output ${JSON.stringify(result.output.slice(0, 200))}, error ${JSON.stringify(result.error.slice(0, 500))}`;
			}
		} catch (error) {
			const detail = error instanceof SandboxError ? `: ${error.detail.trim().slice(0, 500)}` : '';
			const code = jobRootFailure(error);
			const cause = code === null ? 'self-test failed: ' : `${selfTestJobRoot} (${code}): `;
			problem = `${cause}${error instanceof Error ? error.message : String(error)}${detail}`;
			thrown = error;
		}

		// Whichever way it failed (a result that is not the expected one too): /health alone would tell nobody why.
		if (problem !== null) {
			deps.logger.error({problem, ...(thrown === undefined ? {} : {err: thrown})}, 'sandbox self-test failed');
		}

		return {
			status: problem === null ? 'ok' : 'failing',
			checked_at: new Date().toISOString(),
			self_test: {ok: problem === null, duration_ms: Math.round(performance.now() - started), problem},
			versions,
			policy,
		};
	};

	return {
		async check() {
			if (cached === null || performance.now() - cached.at > deps.config.healthTtlMs) {
				running ??= selfTest().finally(() => {
					running = null;
				});
				const report = await running;
				cached = {report, at: performance.now()};
			}

			return {...cached.report, slots: queues.slots.stats, judges: queues.judges.stats};
		},
	};
}
