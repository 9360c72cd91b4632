// Piston's v2 execute API for C and C++ (api/src/api/v2.js and job.js of engineer-man/piston), over c-runner's runs:
// GET /api/v2/runtimes and POST /api/v2/execute with Piston's request and its response's compile and run stages.
import {isUtf8} from 'node:buffer';
import semver from 'semver';
import type {ExecuteResult} from '../job/result.ts';
import {argsProblem, isPlainObject} from '../job/parse-request.ts';
import {isolateMessage} from './isolate-message.ts';
import type {Language} from '../job/language.ts';

/** A Piston failure: 400 with `{message}`, as Piston answers. */
export class PistonError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'PistonError';
	}
}

interface PistonRuntime {
	readonly language: string;
	readonly aliases: readonly string[];
	readonly target: Language;
}

/** Piston's own names for its gcc runtimes, and their aliases. */
const runtimes: readonly PistonRuntime[] = [
	{language: 'c', aliases: ['gcc'], target: 'c'},
	{language: 'c++', aliases: ['cpp', 'g++'], target: 'cpp'},
];

export const pistonRuntimes = (gccVersion: string) =>
	runtimes.map(runtime => ({language: runtime.language, version: gccVersion, aliases: runtime.aliases, runtime: 'gcc'}));

export interface PistonFile {
	readonly name: string | null;
	readonly content: string;
}

export interface PistonRequest {
	readonly language: Language;
	/** Piston's name of the runtime, echoed in the answer. */
	readonly runtime: string;
	readonly files: readonly PistonFile[];
	readonly stdin: string;
	readonly args: readonly string[];
	/** ms or MiB; null: the server's default. */
	readonly runWallMs: number | null;
	readonly runCpuMs: number | null;
	readonly runMemoryMb: number | null;
	readonly compileWallMs: number | null;
	readonly compileCpuMs: number | null;
	readonly compileMemoryMb: number | null;
}


export interface PistonRules {
	readonly gccVersion: string;
	readonly maxRunCpuMs: number;
	readonly maxRunMemoryMb: number;
	/** The longest wall-clock time a run may be given (`maxWallMs`): a longer `run_timeout` is refused, not cut. */
	readonly maxRunWallMs: number;
}

/**
 * The longest `version` read as a SemVer range. node-semver's parser costs time and memory for each comparator, and
 * it keeps the last 1000 ranges it parsed: a 2 MB range of `2 2 2 …` held the event loop 6.5 s, and a few of them
 * took the server's resident memory to 2.3 GB. The ranges a client means (`12.x`, `>=10 <13`) are a few characters.
 */
export const maxVersionLength = 256;

/**
 * A file's content as Piston's job.js reads it: `base64` and `hex` decoded (`Buffer.from(content, encoding)`),
 * anything else (`utf8`, none, null) taken as it is. c-runner's files are text: decoded bytes must be UTF-8.
 */
function decodedContent(content: string, encoding: unknown, index: number): string {
	if (encoding !== 'base64' && encoding !== 'hex') {
		return content;
	}

	const bytes = Buffer.from(content, encoding);
	if (!isUtf8(bytes)) {
		throw new PistonError(`files[${index}].content must decode from ${encoding} to UTF-8 text: c-runner takes files as text`);
	}

	return bytes.toString('utf8');
}

/**
 * Validates a decoded POST /api/v2/execute body as Piston does (same messages, `version` a SemVer range), with one
 * leniency: `version` may be left out, since c-runner has one gcc. A limit of -1 or 0 means the server's default, as
 * Piston's unlimited configuration takes it; one above c-runner's maximum is refused, as Piston refuses one above its
 * own.
 */
export function parsePistonRequest(body: unknown, rules: PistonRules): PistonRequest {
	if (!isPlainObject(body)) {
		throw new PistonError('request body must be a JSON object');
	}

	const {language, version, files, stdin, args} = body;
	if (typeof language !== 'string' || language === '') {
		throw new PistonError('language is required as a string');
	}

	if (version !== undefined && version !== null && typeof version !== 'string') {
		throw new PistonError('version is required as a string');
	}

	if (typeof version === 'string' && version.length > maxVersionLength) {
		throw new PistonError(`version is longer than ${maxVersionLength} characters: no SemVer range of a runtime is`);
	}

	const runtime = runtimes.find(candidate => candidate.language === language.toLowerCase() || candidate.aliases.includes(language.toLowerCase()));
	if (runtime === undefined || (typeof version === 'string' && version !== '*' && !semver.satisfies(rules.gccVersion, version))) {
		// The names are echoed as Piston does, cut: the language may be as long as the body.
		const named = language.length > 64 ? `${language.slice(0, 64)}…` : language;
		throw new PistonError(`${named}-${String(version ?? '*')} runtime is unknown (this server runs c and c++, version ${rules.gccVersion})`);
	}

	if (!Array.isArray(files)) {
		throw new PistonError('files is required as an array');
	}

	const parsedFiles = files.map((file: unknown, index): PistonFile => {
		if (!isPlainObject(file) || typeof file['content'] !== 'string') {
			throw new PistonError(`files[${index}].content is required as a string`);
		}

		if (file['name'] !== undefined && file['name'] !== null && typeof file['name'] !== 'string') {
			throw new PistonError(`files[${index}].name must be a string`);
		}

		return {name: typeof file['name'] === 'string' ? file['name'] : null, content: decodedContent(file['content'], file['encoding'], index)};
	});
	if (parsedFiles.length === 0) {
		throw new PistonError('files must include at least one utf8 encoded file');
	}

	if (stdin !== undefined && stdin !== null && typeof stdin !== 'string') {
		throw new PistonError('stdin must be a string');
	}

	if (args !== undefined && args !== null && (!Array.isArray(args) || !args.every(arg => typeof arg === 'string'))) {
		throw new PistonError('args must be an array of strings');
	}

	const argsRefused = Array.isArray(args) ? argsProblem(args as string[]) : null;
	if (argsRefused !== null) {
		throw new PistonError(`args ${argsRefused}`);
	}

	const limit = (name: string, max: number | null, scale: (value: number) => number): number | null => {
		const value = body[name];
		if (value === undefined || value === null || value === 0 || value === -1) {
			return null;
		}

		if (typeof value !== 'number' || !Number.isFinite(value)) {
			throw new PistonError(`If specified, ${name} must be a number`);
		}

		if (value < 0) {
			throw new PistonError(`${name} must be non-negative`);
		}

		const scaled = Math.max(1, scale(value));
		if (max !== null && scaled > max) {
			throw new PistonError(`${name} cannot exceed the configured limit of ${name.endsWith('memory_limit') ? max * 1024 * 1024 : max}`);
		}

		return scaled;
	};

	const toMib = (bytes: number) => Math.ceil(bytes / (1024 * 1024));
	return {
		language: runtime.target,
		runtime: runtime.language,
		files: parsedFiles,
		stdin: typeof stdin === 'string' ? stdin : '',
		args: Array.isArray(args) ? args as string[] : [],
		runWallMs: limit('run_timeout', rules.maxRunWallMs, Math.round),
		runCpuMs: limit('run_cpu_time', rules.maxRunCpuMs, Math.round),
		runMemoryMb: limit('run_memory_limit', rules.maxRunMemoryMb, toMib),
		compileWallMs: limit('compile_timeout', null, Math.round),
		compileCpuMs: limit('compile_cpu_time', null, Math.round),
		compileMemoryMb: limit('compile_memory_limit', null, toMib),
	};
}

export interface PistonStage {
	readonly stdout: string;
	readonly stderr: string;
	/** stdout, then stderr: c-runner captures them apart, so their interleaving is not kept. */
	readonly output: string;
	readonly code: number | null;
	readonly signal: string | null;
	readonly message: string | null;
	/** isolate's status as Piston passes it on: RE, SG, TO, OL, EL, XX; null for a clean exit. */
	readonly status: 'RE' | 'SG' | 'TO' | 'OL' | 'EL' | 'XX' | null;
	readonly cpu_time: number | null;
	readonly wall_time: number | null;
	/** Bytes. */
	readonly memory: number | null;
}

const stage = (fields: Omit<PistonStage, 'output'>): PistonStage => ({...fields, output: fields.stdout + fields.stderr});

function runStage(result: ExecuteResult): PistonStage {
	const base = {
		stdout: result.output,
		stderr: result.error,
		cpu_time: result.cpu_ms,
		wall_time: result.time_ms,
		memory: result.memory_kb === null ? null : result.memory_kb * 1024,
		message: isolateMessage(result),
	};
	switch (result.status) {
		case 'ok': {
			return stage({...base, code: 0, signal: null, status: null});
		}

		case 'runtime_error': {
			return stage({...base, code: result.exit_code, signal: null, status: 'RE'});
		}

		case 'time_limit': {
			return stage({...base, code: null, signal: 'SIGKILL', status: 'TO'});
		}

		case 'output_limit': {
			// Piston says which stream: OL for stdout, EL for stderr.
			const stderrFull = result.output_limit_stream === 'stderr';
			return stage({...base, code: null, signal: 'SIGKILL', message: `${stderrFull ? 'stderr' : 'stdout'} length exceeded`, status: stderrFull ? 'EL' : 'OL'});
		}

		case 'memory_limit': {
			return result.signal === null
				? stage({...base, code: result.exit_code, signal: null, status: 'RE'})
				: stage({...base, code: null, signal: result.signal, status: 'SG'});
		}

		case 'file_size_limit':
		case 'signalled': {
			return stage({...base, code: null, signal: result.signal, status: 'SG'});
		}

		case 'compile_error': {
			return compileStage(result);
		}
	}
}

/**
 * How a failed compile ended, as Piston tells it: gcc exiting 1 (its memory or file size limit too: gcc's driver exits
 * 1 when one ends cc1, as, or ld), or the compiler stopped by its time limit or the diagnostics cap, which Piston's
 * isolate reports as a kill: code null, SIGKILL, TO or EL.
 */
function failedCompile(result: ExecuteResult): Pick<PistonStage, 'code' | 'signal' | 'message' | 'status'> {
	switch (result.stopped_by) {
		case 'wall_time':
		case 'cpu_time': {
			return {code: null, signal: 'SIGKILL', message: 'Time limit exceeded', status: 'TO'};
		}

		case 'output': {
			return {code: null, signal: 'SIGKILL', message: 'stderr length exceeded', status: 'EL'};
		}

		default: {
			return {code: 1, signal: null, message: 'Exited with error status 1', status: 'RE'};
		}
	}
}

function compileStage(result: ExecuteResult): PistonStage {
	const failed = result.status === 'compile_error';
	return stage({
		stdout: '',
		stderr: failed ? result.error : result.warnings,
		...(failed ? failedCompile(result) : {code: 0, signal: null, message: null, status: null}),
		cpu_time: null,
		wall_time: null,
		memory: null,
	});
}

/** Piston's answer: both stages; when the compile failed, `run` is the compile stage, as Piston keeps it. */
export function toPistonResponse(result: ExecuteResult, request: Pick<PistonRequest, 'runtime'>, gccVersion: string) {
	const compile = compileStage(result);
	return {language: request.runtime, version: gccVersion, compile, run: result.status === 'compile_error' ? compile : runStage(result)};
}
