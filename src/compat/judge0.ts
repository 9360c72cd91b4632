// Judge0 CE's submission API for C and C++, over c-runner's own runs: the request and response shapes of Judge0's
// API documentation (docs/api/submissions), its language ids for gcc C and C++, its statuses and its comparison.
import {isUtf8} from 'node:buffer';
import {v4 as uuidv4} from 'uuid';
import {AppError} from '../http/errors.ts';
import {keptBytes, writtenBytes, type ExecuteResult} from '../job/result.ts';
import {argsProblem, commandLineArgs, isPlainObject} from '../job/parse-request.ts';
import {judge0OutputsMatch} from '../judge/compare.ts';
import {isolateMessage} from './isolate-message.ts';
import type {Language} from '../job/language.ts';

/** Judge0 CE's ids for its gcc C and C++ entries (db/languages/active.rb); each runs c-runner's one gcc. */
const activeIds: Readonly<Record<number, Language>> = {48: 'c', 49: 'c', 50: 'c', 52: 'cpp', 53: 'cpp', 54: 'cpp'};
/**
 * Its archived gcc ids (db/languages/archived.rb), which its documentation's examples use: Judge0 itself now refuses
 * a submission with one ("is archived and cannot be used anymore"); c-runner runs it with this server's gcc.
 */
const archivedIds: Readonly<Record<number, Language>> = {4: 'c', 5: 'c', 6: 'c', 7: 'c', 8: 'c', 9: 'c', 10: 'cpp', 11: 'cpp', 12: 'cpp', 13: 'cpp'};
export const judge0LanguageIds: Readonly<Record<number, Language>> = {...archivedIds, ...activeIds};
export const isArchivedId = (id: number) => Object.hasOwn(archivedIds, id);

/** A language's name as Judge0 gives it, with this server's gcc: `C (GCC 12.2.0)`, `C++ (GCC 12.2.0)`. */
export const judge0LanguageName = (language: Language, gccVersion: string) => `${language === 'c' ? 'C' : 'C++'} (GCC ${gccVersion})`;

/** GET /languages/all: the active ids and the archived ones, each with `is_archived`, in Judge0's order (by name, then id). */
export function judge0AllLanguages(gccVersion: string) {
	return Object.entries(judge0LanguageIds)
		.map(([id, language]) => ({id: Number(id), name: judge0LanguageName(language, gccVersion), is_archived: isArchivedId(Number(id))}))
		.sort((a, b) => (a.name === b.name ? a.id - b.id : (a.name < b.name ? -1 : 1)));
}

/** GET /languages lists the active ids only, as Judge0 does. */
export function judge0Languages(gccVersion: string) {
	return Object.entries(activeIds).map(([id, language]) => ({
		id: Number(id),
		name: judge0LanguageName(language, gccVersion),
		language,
	}));
}

/** The server's figures Judge0's `/config_info` reports: its run limits and its store of submissions. */
export interface Judge0ServerLimits {
	readonly run: {readonly cpuMs: number; readonly wallMs: number; readonly memoryMb: number; readonly fileSizeMb: number; readonly stackMb: number; readonly processes: number};
	readonly maxCpuMs: number;
	readonly maxWallMs: number;
	readonly maxMemoryMb: number;
	readonly storeSize: number;
}

/**
 * Judge0's `GET /config_info` (Config.config_info) with c-runner's own figures, in Judge0's units (seconds, KB):
 * what is refused reads as turned off, what is not applied as 0. Judge0's Python SDK reads it when a client is made
 * (and a batch size of 1 makes it send one submission at a time, there being no batch route).
 */
export function judge0ConfigInfo(limits: Judge0ServerLimits) {
	const {run} = limits;
	const processes = run.processes - helperProcesses;
	return {
		maintenance_mode: false,
		enable_wait_result: true,
		enable_compiler_options: true,
		allowed_languages_for_compile_options: [],
		enable_command_line_arguments: true,
		enable_submission_delete: false,
		enable_callbacks: false,
		callbacks_max_tries: 0,
		callbacks_timeout: 0,
		enable_additional_files: false,
		max_queue_size: limits.storeSize,
		cpu_time_limit: run.cpuMs / 1000,
		max_cpu_time_limit: limits.maxCpuMs / 1000,
		cpu_extra_time: 0,
		max_cpu_extra_time: 0,
		wall_time_limit: run.wallMs / 1000,
		max_wall_time_limit: limits.maxWallMs / 1000,
		memory_limit: run.memoryMb * 1024,
		max_memory_limit: limits.maxMemoryMb * 1024,
		stack_limit: run.stackMb * 1024,
		max_stack_limit: run.stackMb * 1024,
		max_processes_and_or_threads: processes,
		max_max_processes_and_or_threads: processes,
		enable_per_process_and_thread_time_limit: false,
		allow_enable_per_process_and_thread_time_limit: false,
		enable_per_process_and_thread_memory_limit: false,
		allow_enable_per_process_and_thread_memory_limit: false,
		max_file_size: run.fileSizeMb * 1024,
		max_max_file_size: run.fileSizeMb * 1024,
		number_of_runs: 1,
		max_number_of_runs: 1,
		redirect_stderr_to_stdout: false,
		max_extract_size: 0,
		enable_batched_submissions: false,
		max_submission_batch_size: 1,
		submission_cache_duration: 0,
		use_docs_as_homepage: false,
		allow_enable_network: false,
		enable_network: false,
		disable_implicit_base64_encoding: true,
	};
}

export const judge0Statuses = [
	{id: 1, description: 'In Queue'},
	{id: 2, description: 'Processing'},
	{id: 3, description: 'Accepted'},
	{id: 4, description: 'Wrong Answer'},
	{id: 5, description: 'Time Limit Exceeded'},
	{id: 6, description: 'Compilation Error'},
	{id: 7, description: 'Runtime Error (SIGSEGV)'},
	{id: 8, description: 'Runtime Error (SIGXFSZ)'},
	{id: 9, description: 'Runtime Error (SIGFPE)'},
	{id: 10, description: 'Runtime Error (SIGABRT)'},
	{id: 11, description: 'Runtime Error (NZEC)'},
	{id: 12, description: 'Runtime Error (Other)'},
	{id: 13, description: 'Internal Error'},
	{id: 14, description: 'Exec Format Error'},
] as const;

type StatusId = typeof judge0Statuses[number]['id'];
const statusOf = (id: StatusId) => judge0Statuses.find(status => status.id === id)!;

/** A Judge0 validation failure: 422 with `{field: [messages]}`, as Judge0 answers. */
export class Judge0FieldError extends Error {
	readonly fields: Readonly<Record<string, readonly string[]>>;

	constructor(fields: Record<string, string[]>) {
		super(Object.entries(fields).map(([field, messages]) => `${field} ${messages.join(', ')}`).join('; '));
		this.name = 'Judge0FieldError';
		this.fields = fields;
	}
}

export interface Judge0Rules {
	/** The most CPU time a run may have, ms (C_RUNNER_RUN_MAX_CPU_MS). */
	readonly maxCpuMs: number;
	/** The longest wall-clock limit a run may have, ms. */
	readonly maxWallMs: number;
	/** The most memory a run may have, MiB (C_RUNNER_RUN_MAX_MEMORY_MB). */
	readonly maxMemoryMb: number;
	/** The server's run file size (MiB) and stack (MiB): a submission may ask for less, not more. */
	readonly fileSizeMb: number;
	readonly stackMb: number;
	/** The most processes and threads the program may have: the server's process limit less the sandbox's helper. */
	readonly processes: number;
}

/**
 * The sandbox's helper, pid 1 of the sandbox, runs as the program's user, so it counts against the process limit;
 * Judge0's `max_processes_and_or_threads` (isolate's `--processes`) counts the program's own only.
 */
export const helperProcesses = 1;

/** A submission as c-runner runs it. */
export interface Judge0Submission {
	readonly sourceCode: string;
	readonly languageId: number;
	readonly language: Language;
	readonly stdin: string | null;
	readonly expectedOutput: string | null;
	readonly args: readonly string[];
	readonly std: string | null;
	readonly optimize: string | null;
	/** ms; null: the server's default. */
	readonly cpuTimeLimitMs: number | null;
	readonly wallTimeLimitMs: number | null;
	readonly memoryLimitMb: number | null;
	/** MiB, MiB, a count; null: the server's. */
	readonly fileSizeMb: number | null;
	readonly stackMb: number | null;
	readonly processes: number | null;
	/** The server's stack, for the view: a run's answer does not carry it. */
	readonly appliedStackMb: number;
	readonly redirectStderrToStdout: boolean;
	/** The request's own limit fields, echoed in the full view. */
	readonly echo: Readonly<Record<string, unknown>>;
}


function decodeBase64(value: string, field: string, problems: Record<string, string[]>): string {
	if (!/^[A-Za-z\d+/=\s]*$/.test(value)) {
		problems[field] = ['is not valid Base64'];
		return '';
	}

	const bytes = Buffer.from(value, 'base64');
	// c-runner carries every text as UTF-8: bytes that are not would reach the program, or the comparison, as U+FFFD,
	// and two different bytes would then compare equal. Refused, never changed.
	if (!isUtf8(bytes)) {
		problems[field] = ['must decode to UTF-8 text: c-runner passes stdin, source and expected output as UTF-8'];
		return '';
	}

	return bytes.toString('utf8');
}

const decimal = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?\s*$/i;

/**
 * A limit field as Judge0 takes it, a JSON number or a numeric string: null when absent (or an empty string, which
 * Rails casts to nil, so Judge0 fills in its default), NaN for anything else.
 */
function limitField(body: Record<string, unknown>, field: string): number | null {
	const value = body[field];
	if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) {
		return null;
	}

	// A decimal number only, as Rails reads one: `Number` would take "0x10" for 16 and "0b1" for 1.
	return typeof value === 'number' || (typeof value === 'string' && decimal.test(value)) ? Number(value) : Number.NaN;
}

/**
 * A limit field greater than 0 (`whole`: a whole number) and at most `max`, which is in units `unit` times smaller
 * than the field's (1000: a field of seconds against a maximum of milliseconds): null when absent or refused, the
 * refusal in `problems`, as Judge0 words it.
 */
function positiveLimit(body: Record<string, unknown>, field: string, problems: Record<string, string[]>, max: number, {unit = 1, whole = false} = {}): number | null {
	const number = limitField(body, field);
	if (number === null) {
		return null;
	}

	if ((whole ? !Number.isInteger(number) : !Number.isFinite(number)) || number <= 0) {
		problems[field] = [whole ? 'must be a whole number greater than 0' : 'must be greater than 0'];
		return null;
	}

	if (number * unit > max) {
		problems[field] = [`must be less than or equal to ${max / unit}`];
		return null;
	}

	return number;
}

/** Judge0's `cpu_time_limit` and `wall_time_limit` are seconds, fractions allowed: as milliseconds. */
function seconds(body: Record<string, unknown>, field: string, maxMs: number, problems: Record<string, string[]>): number | null {
	const number = positiveLimit(body, field, problems, maxMs, {unit: 1000});
	return number === null ? null : Math.max(1, Math.round(number * 1000));
}

/** A limit in KB (`memory_limit`, `max_file_size`, `stack_limit`) as whole MiB, rounded up; above `maxMb` refused. */
function kilobytesAsMib(body: Record<string, unknown>, field: string, maxMb: number, problems: Record<string, string[]>): number | null {
	const kb = positiveLimit(body, field, problems, maxMb * 1024);
	return kb === null ? null : Math.max(1, Math.ceil(kb / 1024));
}

/** `compiler_options` may only choose a standard and an optimisation level: c-runner passes no other flag. */
function parseCompilerOptions(value: unknown, problems: Record<string, string[]>): {std: string | null; optimize: string | null} {
	const options = {std: null as string | null, optimize: null as string | null};
	if (value === undefined || value === null || value === '') {
		return options;
	}

	if (typeof value !== 'string') {
		problems['compiler_options'] = ['must be a string'];
		return options;
	}

	for (const word of value.trim().split(/\s+/)) {
		const std = /^-std=(.+)$/.exec(word);
		const optimize = /^-O([0123s])$/.exec(word);
		if (std) {
			options.std = std[1]!;
		} else if (optimize) {
			options.optimize = optimize[1]!;
		} else {
			// The first word refused: in `-x c++`, the flag, not its argument.
			problems['compiler_options'] ??= [`may only hold -std=... and -O0, -O1, -O2, -O3, -Os (c-runner passes no other flag); got ${JSON.stringify(word)}`];
		}
	}

	return options;
}

/**
 * A boolean field as Rails casts it for Judge0 (ActiveModel::Type::Boolean): true, false, 1, 0, or one of their
 * words as a string; null when absent. Any other value is refused, not taken as false: `"yes"` would be true there.
 */
function booleanField(body: Record<string, unknown>, field: string, problems: Record<string, string[]>): boolean | null {
	const value = body[field];
	if (value === undefined || value === null || value === '') {
		return null;
	}

	const word = String(value).toLowerCase();
	if (typeof value !== 'object' && ['true', 't', '1', 'on'].includes(word)) {
		return true;
	}

	if (typeof value !== 'object' && ['false', 'f', '0', 'off'].includes(word)) {
		return false;
	}

	problems[field] = ['must be true or false'];
	return null;
}

/** Fields c-runner does not offer: refused by name rather than silently ignored. */
const refused: Readonly<Record<string, (value: unknown) => boolean>> = {
	callback_url: value => value !== undefined && value !== null && value !== '',
	additional_files: value => value !== undefined && value !== null && value !== '',
	// A blank string is no value, as for the limits (Rails casts it to nil).
	number_of_runs: value => value !== undefined && value !== null && !(typeof value === 'string' && value.trim() === '') && Number(value) !== 1,
};

const refusals: Readonly<Record<string, string>> = {
	callback_url: 'is not supported by c-runner: poll GET /submissions/{token} instead',
	additional_files: 'is not supported by c-runner',
	number_of_runs: 'must be 1: c-runner runs a submission once',
};

/** Boolean options c-runner cannot turn on: true is refused by name, false (or none) is what it does anyway. */
const cannotEnable: Readonly<Record<string, string>> = {
	enable_network: 'cannot be enabled: c-runner sandboxes have no network',
	enable_per_process_and_thread_time_limit: 'cannot be enabled: c-runner\'s CPU time limit is over the whole job',
	enable_per_process_and_thread_memory_limit: 'cannot be enabled: c-runner\'s memory limit is over the whole job',
};

/** Validates a decoded POST /submissions body; every problem is reported together, as Judge0 does. */
export function parseJudge0Submission(body: unknown, base64: boolean, rules: Judge0Rules): Judge0Submission {
	if (!isPlainObject(body)) {
		throw new Judge0FieldError({body: ['must be a JSON object']});
	}

	const problems: Record<string, string[]> = {};
	const text = (field: string, required: boolean): string | null => {
		const value = body[field];
		if (value === undefined || value === null || (required && value === '')) {
			if (required) {
				problems[field] = ['can\'t be blank'];
			}

			return null;
		}

		if (typeof value !== 'string') {
			problems[field] = ['must be a string'];
			return null;
		}

		const decoded = base64 ? decodeBase64(value, field, problems) : value;
		// Judge0 checks the decoded text: Base64 of nothing ("x", "====") is a blank source too, and so is one of
		// white space alone (Rails' presence is `blank?`).
		if (required && decoded.trim() === '' && problems[field] === undefined) {
			problems[field] = ['can\'t be blank'];
			return null;
		}

		return decoded;
	};

	const sourceCode = text('source_code', true);
	const stdin = text('stdin', false);
	const expectedOutput = text('expected_output', false);
	let language: Language | undefined;
	const id = body['language_id'];
	// A number or a string of decimal digits, as API.md says: not [50], "0x32" or "5e1", which `Number` would take.
	const languageId = typeof id === 'number' || (typeof id === 'string' && /^\s*[+-]?\d+\s*$/.test(id)) ? Number(id) : Number.NaN;
	if (id === undefined || id === null || id === '') {
		problems['language_id'] = ['can\'t be blank'];
	} else {
		language = Number.isInteger(languageId) ? judge0LanguageIds[languageId] : undefined;
		if (language === undefined) {
			problems['language_id'] = [`language with id ${typeof id === 'string' || typeof id === 'number' ? String(id) : JSON.stringify(id)} doesn't exist`];
		}
	}

	let args: string[] = [];
	const commandLine = body['command_line_arguments'];
	if (typeof commandLine === 'string') {
		try {
			args = commandLineArgs(commandLine);
			const problem = argsProblem(args);
			if (problem !== null) {
				problems['command_line_arguments'] = [problem];
			}
		} catch (error) {
			// The splitter names /execute_c's field: this one is command_line_arguments.
			problems['command_line_arguments'] = [error instanceof Error ? error.message.replace(/^Field 'args' /, '') : 'cannot be split into words'];
		}
	} else if (commandLine !== undefined && commandLine !== null) {
		problems['command_line_arguments'] = ['must be a string'];
	}

	const memoryLimitMb = kilobytesAsMib(body, 'memory_limit', rules.maxMemoryMb, problems);
	const fileSizeMb = kilobytesAsMib(body, 'max_file_size', rules.fileSizeMb, problems);
	const stackMb = kilobytesAsMib(body, 'stack_limit', rules.stackMb, problems);
	// A whole number from 1 to the server's own process limit.
	const processes = positiveLimit(body, 'max_processes_and_or_threads', problems, rules.processes, {whole: true});
	const extra = limitField(body, 'cpu_extra_time');
	if (extra !== null && !(extra >= 0)) {
		problems['cpu_extra_time'] = ['must be greater than or equal to 0'];
	}

	const cpuTimeLimitMs = seconds(body, 'cpu_time_limit', rules.maxCpuMs, problems);
	const wallTimeLimitMs = seconds(body, 'wall_time_limit', rules.maxWallMs, problems);
	const {std, optimize} = parseCompilerOptions(body['compiler_options'], problems);
	for (const [field, isRefused] of Object.entries(refused)) {
		if (isRefused(body[field])) {
			problems[field] = [refusals[field]!];
		}
	}

	for (const [field, refusal] of Object.entries(cannotEnable)) {
		if (booleanField(body, field, problems) === true) {
			problems[field] = [refusal];
		}
	}

	const redirectStderrToStdout = booleanField(body, 'redirect_stderr_to_stdout', problems) ?? false;

	if (Object.keys(problems).length > 0 || sourceCode === null || language === undefined) {
		throw new Judge0FieldError(problems);
	}

	const echo = Object.fromEntries(['cpu_time_limit', 'cpu_extra_time', 'wall_time_limit', 'memory_limit', 'stack_limit', 'max_file_size', 'max_processes_and_or_threads', 'compiler_options', 'command_line_arguments']
		.map(field => [field, body[field] ?? null]));
	return {
		sourceCode,
		languageId,
		language,
		stdin,
		expectedOutput,
		args,
		std,
		optimize,
		cpuTimeLimitMs,
		wallTimeLimitMs,
		memoryLimitMb,
		fileSizeMb,
		stackMb,
		processes,
		appliedStackMb: stackMb ?? rules.stackMb,
		redirectStderrToStdout,
		echo,
	};
}

const signalStatus: Readonly<Record<string, StatusId>> = {SIGSEGV: 7, SIGXFSZ: 8, SIGFPE: 9, SIGABRT: 10};

/** A finished run as Judge0's status, and the `message` isolate would have written. */
/** The `stdout` a submission reports, and the one its `expected_output` is compared with: stderr after it, if asked. */
const reportedStdout = (result: ExecuteResult, redirectStderr: boolean) => (redirectStderr ? result.output + result.error : result.output);

/** The same as the bytes the program wrote: what `base64_encoded` answers, and what `expected_output` is compared with. */
function reportedStdoutBytes(result: ExecuteResult, redirectStderr: boolean): Buffer {
	const {stdout, stderr} = writtenBytes(result);
	return redirectStderr ? Buffer.concat([stdout, stderr]) : stdout;
}

export function judge0Outcome(result: ExecuteResult, expectedOutput: string | null, redirectStderr = false): {status: StatusId; message: string | null} {
	return {status: judge0Status(result, expectedOutput, redirectStderr), message: isolateMessage(result)};
}

function judge0Status(result: ExecuteResult, expectedOutput: string | null, redirectStderr: boolean): StatusId {
	switch (result.status) {
		case 'compile_error': {
			return 6;
		}

		case 'time_limit': {
			return 5;
		}

		case 'memory_limit': {
			return result.signal === null ? 11 : (signalStatus[result.signal] ?? 12);
		}

		case 'output_limit': {
			return 12;
		}

		case 'file_size_limit':
		case 'signalled': {
			return signalStatus[result.signal ?? ''] ?? 12;
		}

		case 'runtime_error': {
			return 11;
		}

		case 'ok': {
			// Judge0's comparison: trailing whitespace (and NUL) of each line and of the whole ignored.
			const matched = expectedOutput === null || judge0OutputsMatch(reportedStdoutBytes(result, redirectStderr), expectedOutput);
			return matched ? 3 : 4;
		}
	}
}

interface StoredBase {
	readonly token: string;
	readonly submission: Judge0Submission;
	readonly createdAt: string;
}

export type StoredSubmission =
	| StoredBase & {readonly state: 'queued' | 'running'}
	| StoredBase & {readonly state: 'done'; readonly result: ExecuteResult; readonly finishedAt: string}
	| StoredBase & {readonly state: 'failed'; readonly message: string; readonly finishedAt: string};

/** Ruby's Base64.encode64, which Judge0 uses: lines of 60 characters, each ending in a newline. A text as UTF-8. */
export function encode64(text: string | Buffer): string {
	const encoded = (typeof text === 'string' ? Buffer.from(text, 'utf8') : text).toString('base64');
	return encoded === '' ? '' : `${encoded.match(/.{1,60}/g)!.join('\n')}\n`;
}

/** The length of encode64's text for `bytes` bytes: 4 characters for every 3 bytes begun, a newline for every 60 characters begun. */
const encode64Length = (bytes: number) => {
	const characters = Math.ceil(bytes / 3) * 4;
	return characters + Math.ceil(characters / 60);
};

/** The first of `bytes` whose encode64 text fits what is left of `budget`, which it charges. */
function within64(bytes: Buffer, budget: {left: number}): Buffer {
	let kept = bytes.length;
	if (encode64Length(kept) > budget.left) {
		// 45 bytes a line of 60 characters and its newline.
		kept = Math.floor(Math.max(0, budget.left) / 61) * 45;
		while (encode64Length(kept + 3) <= budget.left && kept + 3 <= bytes.length) {
			kept += 3;
		}
	}

	budget.left -= encode64Length(kept);
	return kept === bytes.length ? bytes : bytes.subarray(0, kept);
}

export const defaultFields = ['stdout', 'time', 'memory', 'stderr', 'token', 'compile_output', 'message', 'status'] as const;

/**
 * Every attribute of a submission, as Judge0 names them; `fields` picks from these (`*`: all). In base64, `stdout`
 * and `stderr` are the bytes the program wrote, cut (stdout first) so that their base64 stays within `answerBytes`.
 */
export function judge0Attributes(stored: StoredSubmission, base64: boolean, languageName: string, answerBytes = Number.POSITIVE_INFINITY): Record<string, unknown> {
	const {submission} = stored;
	// A text, or the bytes a program wrote (Base64 only: as JSON, its texts are given).
	const textOrNull = (text: string | Buffer | null) => text === null || text.length === 0 ? null : (base64 ? encode64(text) : text);
	const finished = stored.state === 'done' ? stored.result : null;
	const outcome = finished === null ? null : judge0Outcome(finished, submission.expectedOutput, submission.redirectStderrToStdout);
	let status: StatusId = stored.state === 'queued' ? 1 : 2;
	if (outcome !== null) {
		status = outcome.status;
	} else if (stored.state === 'failed') {
		status = 13;
	}

	const compiled = finished !== null && finished.status !== 'compile_error';
	// In base64, the program's own bytes (UTF-8 or not); as JSON text, their UTF-8 decoding (U+FFFD for what is not),
	// cut to the answer's bound with the rest of the answer (withinResponseBytes).
	const bytesBudget = {left: answerBytes};
	const stdout = !compiled ? null : (base64 ? within64(reportedStdoutBytes(finished, submission.redirectStderrToStdout), bytesBudget) : reportedStdout(finished, submission.redirectStderrToStdout));
	const stderr = !compiled || submission.redirectStderrToStdout ? null : (base64 ? within64(writtenBytes(finished).stderr, bytesBudget) : finished.error);
	return {
		source_code: base64 ? encode64(submission.sourceCode) : submission.sourceCode,
		language_id: submission.languageId,
		stdin: textOrNull(submission.stdin),
		expected_output: textOrNull(submission.expectedOutput),
		stdout: textOrNull(stdout),
		stderr: textOrNull(stderr),
		compile_output: finished === null ? null : textOrNull(compiled ? finished.warnings : finished.error),
		message: stored.state === 'failed' ? textOrNull(stored.message) : textOrNull(outcome?.message ?? null),
		status: statusOf(status),
		status_id: status,
		time: finished?.cpu_ms === null || finished?.cpu_ms === undefined ? null : (finished.cpu_ms / 1000).toFixed(3),
		wall_time: finished?.time_ms === null || finished?.time_ms === undefined || !compiled ? null : (finished.time_ms / 1000).toFixed(3),
		memory: finished?.memory_kb ?? null,
		exit_code: finished === null || !compiled ? null : (finished.exit_code >= 0 ? finished.exit_code : 0),
		exit_signal: finished === null || !compiled || finished.exit_code >= 0 ? null : -finished.exit_code,
		token: stored.token,
		created_at: stored.createdAt,
		finished_at: stored.state === 'done' || stored.state === 'failed' ? stored.finishedAt : null,
		number_of_runs: 1,
		redirect_stderr_to_stdout: submission.redirectStderrToStdout,
		enable_network: false,
		enable_per_process_and_thread_time_limit: false,
		enable_per_process_and_thread_memory_limit: false,
		callback_url: null,
		additional_files: null,
		language: {id: submission.languageId, name: languageName},
		...submission.echo,
		// Once run, the limits it ran under, in Judge0's units (rounded up to whole MiB; the server's where the client
		// sent none, as Judge0 fills in its defaults), never a figure that was not applied.
		...(finished === null ? {} : appliedJudge0Limits(finished, submission.appliedStackMb)),
	};
}

const appliedJudge0Limits = (result: ExecuteResult, stackMb: number): Record<string, number> => ({
	cpu_time_limit: result.limits.cpu_time_ms / 1000,
	wall_time_limit: result.limits.wall_time_ms / 1000,
	memory_limit: result.limits.memory_mb * 1024,
	max_file_size: result.limits.file_size_mb * 1024,
	stack_limit: stackMb * 1024,
	max_processes_and_or_threads: result.limits.processes - helperProcesses,
});

/**
 * `fields`, as Judge0's Fields::Submission reads it: a comma-separated list of attribute names; `*` among them is
 * every attribute, an empty list the default 8; an unknown name is Judge0's 400 `{"error": "invalid fields: [...]"}`.
 */
export function pickFields(attributes: Record<string, unknown>, fields: string | undefined): Record<string, unknown> {
	const requested = (fields ?? '').split(',').map(name => name.trim()).filter(name => name !== '');
	const unknown = requested.filter(name => name !== '*' && !Object.hasOwn(attributes, name));
	if (unknown.length > 0) {
		throw new AppError(400, `invalid fields: [${unknown.join(', ')}]`);
	}

	if (requested.includes('*')) {
		return attributes;
	}

	const names = requested.length === 0 ? defaultFields : requested;
	return Object.fromEntries(names.map(name => [name, attributes[name]]));
}

/**
 * The asynchronous form's memory: at most `capacity` submissions and `byteCapacity` bytes of them (their sources,
 * inputs and results: their JSON text as UTF-8, and the bytes a result keeps beside it), each kept `ttlMs` after it
 * was created, in this server's memory only (a replica does not know another's tokens). Full by either bound: new
 * submissions are not kept. One not finished yet counts for the most its result can take (`resultBytes`: the
 * answer's bound and both output caps), its result's own size once stored: however many run and finish, the store
 * never holds more than `byteCapacity`.
 */
export class SubmissionStore {
	readonly #entries = new Map<string, {stored: StoredSubmission; expires: number; bytes: number}>();
	readonly #capacity: number;
	readonly #byteCapacity: number;
	readonly #ttlMs: number;
	readonly #now: () => number;
	readonly #resultBytes: number;
	#bytes = 0;

	/**
	 * `now`: the clock of the times to live, in milliseconds. Not the time of day: that moves when the clock is set
	 * (NTP at boot, a resumed VM, `date -s`), and a step forward of an hour took every token, even one made a second
	 * before, while a step back kept them hours past their time.
	 */
	constructor(capacity: number, ttlMs: number, byteCapacity = Number.POSITIVE_INFINITY, now: () => number = () => performance.now(), resultBytes = 0) {
		this.#capacity = capacity;
		this.#byteCapacity = byteCapacity;
		this.#ttlMs = ttlMs;
		this.#now = now;
		this.#resultBytes = resultBytes;
	}

	get size() {
		this.#expire();
		return this.#entries.size;
	}

	get capacity() {
		return this.#capacity;
	}

	/** What the kept submissions take, counted as their JSON text. */
	get bytes() {
		this.#expire();
		return this.#bytes;
	}

	/** null when the store is full of live submissions, by count or by bytes. */
	add(submission: Judge0Submission): StoredSubmission | null {
		this.#expire();
		const stored: StoredSubmission = {token: uuidv4(), submission, createdAt: new Date().toISOString(), state: 'queued'};
		// Room for its result too, before it runs: a result is only stored, never refused.
		const bytes = storedBytes(stored) + this.#resultBytes;
		if (this.#entries.size >= this.#capacity || this.#bytes + bytes > this.#byteCapacity) {
			return null;
		}

		this.#entries.set(stored.token, {stored, expires: this.#now() + this.#ttlMs, bytes});
		this.#bytes += bytes;
		return stored;
	}

	get(token: string): StoredSubmission | null {
		this.#expire();
		return this.#entries.get(token)?.stored ?? null;
	}

	update(token: string, change: (stored: StoredSubmission) => StoredSubmission) {
		const entry = this.#entries.get(token);
		if (entry !== undefined) {
			entry.stored = change(entry.stored);
			if (entry.stored.state === 'done' || entry.stored.state === 'failed') {
				const bytes = storedBytes(entry.stored);
				this.#bytes += bytes - entry.bytes;
				entry.bytes = bytes;
			}
		}
	}

	#expire() {
		const now = this.#now();
		for (const [token, entry] of this.#entries) {
			// Insertion order is creation order: the first live one ends the sweep.
			if (entry.expires > now) {
				break;
			}

			this.#entries.delete(token);
			this.#bytes -= entry.bytes;
		}
	}
}

/**
 * A stored submission's size as the store counts it: its JSON text as UTF-8 (its source, input and result are most
 * of it), and the bytes its result keeps beside it.
 */
function storedBytes(stored: StoredSubmission): number {
	return Buffer.byteLength(JSON.stringify(stored), 'utf8') + (stored.state === 'done' ? keptBytes(stored.result) : 0);
}
