import {badRequest} from './errors.ts';
import {binaryName, stdinName} from './workspace.ts';
import {compilerNames, defaultCompiler, defaultOptimize, languageNames, languageSpecs, optimizeLevels, programFromCode, type CompileOptions, type CompilerName, type Language, type OptimizeLevel, type Program, type SourceFile} from './language.ts';
import {splitArgs} from './split-args.ts';

/** Per-request limits; null takes the server's default. Clamped to the server's maxima when the job runs. */
export interface RequestedLimits {
	/** CPU time; the wall-clock limit becomes twice this plus a second, unless `wallLimitMs` is given. */
	readonly timeLimitMs: number | null;
	readonly memoryLimitMb: number | null;
	/** The wall-clock limit itself, for the Piston and Judge0 routes, whose clients name one. */
	readonly wallLimitMs?: number;
	/** The Judge0 route's lower file size (MiB), stack (MiB) and process limits; never above the server's own. */
	readonly fileSizeMb?: number;
	readonly stackMb?: number;
	readonly processes?: number;
}

export const defaultLimits: RequestedLimits = {timeLimitMs: null, memoryLimitMb: null};

export interface ExecuteRequest {
	readonly program: Program;
	readonly args: readonly string[];
	/** Bytes fed to the program's stdin; null means an empty stdin (immediate EOF). */
	readonly stdin: string | null;
	readonly limits: RequestedLimits;
}

export const maxArgs = 256;
export const maxArgsBytes = 64 * 1024;

export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
	typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * What is wrong with a program's arguments, or null: a NUL byte (the sandbox's command is NUL-separated, so it would
 * split an argument in two), more than `maxArgs` of them, or more than `maxArgsBytes` counting each one's NUL.
 */
export function argsProblem(args: readonly string[]): string | null {
	if (args.some(arg => arg.includes('\0'))) {
		return 'must not contain NUL bytes';
	}

	if (args.length > maxArgs) {
		return `has ${args.length} arguments; at most ${maxArgs} are allowed`;
	}

	if (args.reduce((total, arg) => total + Buffer.byteLength(arg) + 1, 0) > maxArgsBytes) {
		return `is longer than ${maxArgsBytes} bytes`;
	}

	return null;
}

/**
 * A command line split into the arguments `argsProblem` judges. One with a NUL is kept whole, to be refused for it:
 * splitting would keep the NUL inside a word, or drop it where it stands alone.
 */
export const commandLineArgs = (line: string): string[] => (line.includes('\0') ? [line] : splitArgs(line));

function parseArgs(value: unknown): string[] {
	if (value === undefined || value === null) {
		return [];
	}

	let args: string[];
	if (typeof value === 'string') {
		args = commandLineArgs(value);
	} else if (Array.isArray(value) && value.every(item => typeof item === 'string')) {
		args = value;
	} else {
		throw badRequest('Field \'args\' must be a string or an array of strings');
	}

	const problem = argsProblem(args);
	if (problem !== null) {
		throw badRequest(`Field 'args' ${problem}`);
	}

	return args;
}

export function requireObject(body: unknown): Record<string, unknown> {
	if (!isPlainObject(body)) {
		throw badRequest('Request body must be a JSON object');
	}

	return body;
}

/** C source in field `name` (`code`, or a judge's `checker`). */
export function parseCode(body: Record<string, unknown>, name = 'code'): string {
	const code = body[name];
	if (code === undefined) {
		throw badRequest(`Missing required field: '${name}'`);
	}

	if (typeof code !== 'string') {
		throw badRequest(`Field '${name}' must be a string`);
	}

	if (code.trim() === '') {
		throw badRequest(`Field '${name}' must not be empty`);
	}

	if (code.includes('\0')) {
		throw badRequest(`Field '${name}' must not contain NUL bytes`);
	}

	return code;
}

function positiveInteger(body: Record<string, unknown>, name: string): number | null {
	const value = body[name];
	if (value === undefined || value === null) {
		return null;
	}

	if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
		throw badRequest(`Field '${name}' must be a whole number of at least 1`);
	}

	return value;
}

export function parseRequestedLimits(body: Record<string, unknown>): RequestedLimits {
	return {timeLimitMs: positiveInteger(body, 'time_limit_ms'), memoryLimitMb: positiveInteger(body, 'memory_limit_mb')};
}

export const maxFiles = 64;
const maxFileNameLength = 100;
/** A plain name: no directory, no `..`, no leading dot (hidden, or the owner mark) or dash (an option to gcc). */
const fileNamePattern = /^[A-Za-z\d_][\w.+-]*$/;
/** Names the job directory uses itself. */
const reservedNames = new Set([binaryName, stdinName]);

const quoted = (names: readonly string[]) => names.map(name => `"${name}"`).join(', ');

export interface ProgramRules {
	/** Turbo's /submit always names the language: there a missing one is refused rather than taken as C. */
	readonly requireLanguage?: boolean;
}

/** `language`, in any case (Turbo and Dalmeng clients send "C" as well as "c"); C when absent. */
function parseLanguage(object: Record<string, unknown>, rules: ProgramRules): Language {
	const value = object['language'];
	if ((value === undefined || value === null) && !rules.requireLanguage) {
		return 'c';
	}

	const language = typeof value === 'string' ? value.toLowerCase() : null;
	if (language === null || !(languageNames as readonly string[]).includes(language)) {
		const got = value === undefined || value === null ? 'none' : JSON.stringify(value);
		throw badRequest(`Field 'language' must be one of: ${quoted(languageNames)} (got ${got})`);
	}

	return language as Language;
}

/** `language`, `std`, `optimize` and `compiler`: each from its documented list, anything else a 400 that names the list. */
export function parseCompileOptions(object: Record<string, unknown>, rules: ProgramRules = {}): CompileOptions {
	const language = parseLanguage(object, rules);
	const {standards, defaultStd} = languageSpecs[language];
	const std = object['std'] ?? defaultStd;
	if (typeof std !== 'string' || !Object.hasOwn(standards, std)) {
		throw badRequest(`Field 'std' must be one of, for ${language}: ${quoted(Object.keys(standards))}`);
	}

	const optimize = object['optimize'] ?? defaultOptimize;
	if ((typeof optimize !== 'string' && typeof optimize !== 'number') || !(optimizeLevels as readonly string[]).includes(String(optimize))) {
		throw badRequest(`Field 'optimize' must be one of: ${quoted(optimizeLevels)}`);
	}

	const compiler = object['compiler'] ?? defaultCompiler;
	if (typeof compiler !== 'string' || !(compilerNames as readonly string[]).includes(compiler)) {
		throw badRequest(`Field 'compiler' must be one of: ${quoted(compilerNames)}`);
	}

	if (!Object.hasOwn(languageSpecs[language].compilers, compiler)) {
		throw badRequest(`Field 'compiler' ${JSON.stringify(compiler)} does not compile ${language}; for ${language}: ${quoted(Object.keys(languageSpecs[language].compilers))}`);
	}

	return {language, std, optimize: String(optimize) as OptimizeLevel, compiler: compiler as CompilerName};
}

function parseFiles(value: unknown, options: CompileOptions): SourceFile[] {
	if (!Array.isArray(value) || value.length === 0) {
		throw badRequest('Field \'files\' must be a non-empty array of {name, content}');
	}

	if (value.length > maxFiles) {
		throw badRequest(`Field 'files' has ${value.length} files; at most ${maxFiles} are allowed`);
	}

	const seen = new Set<string>();
	const files = value.map((file: unknown, index): SourceFile => {
		const where = `files[${index}]`;
		if (!isPlainObject(file)) {
			throw badRequest(`${where} must be an object with 'name' and 'content'`);
		}

		const {name, content} = file;
		if (typeof name !== 'string' || name.length > maxFileNameLength || !fileNamePattern.test(name)) {
			throw badRequest(`${where}.name must be a plain file name of at most ${maxFileNameLength} characters: letters, digits, '_', '.', '+', '-', not starting with '.' or '-' (no directories)`);
		}

		if (reservedNames.has(name)) {
			throw badRequest(`${where}.name ${JSON.stringify(name)} is reserved (the compiled program, its stdin)`);
		}

		if (seen.has(name)) {
			throw badRequest(`${where}.name ${JSON.stringify(name)} repeats an earlier file's name`);
		}

		seen.add(name);
		if (typeof content !== 'string' || content.includes('\0')) {
			throw badRequest(`${where}.content must be a string without NUL bytes`);
		}

		return {name, content};
	});
	if (!files.some(file => languageSpecs[options.language].sourcePattern.test(file.name))) {
		throw badRequest(`Field 'files' has no ${options.language} source to compile (a name matching ${String(languageSpecs[options.language].sourcePattern)})`);
	}

	return files;
}

/** The fields `parseProgram` reads. */
export const programFields = ['code', 'files', 'language', 'std', 'optimize', 'compiler'] as const;

/** The program of a request: `code` (one file) or `files` (several), with its compile options. */
export function parseProgram(object: Record<string, unknown>, rules: ProgramRules = {}): Program {
	const options = parseCompileOptions(object, rules);
	if (object['files'] !== undefined && object['files'] !== null) {
		if (object['code'] !== undefined && object['code'] !== null) {
			throw badRequest('Send either \'code\' or \'files\', not both');
		}

		return {options, files: parseFiles(object['files'], options)};
	}

	return programFromCode(parseCode(object), options);
}

/** Validates a decoded JSON body. Unknown fields are ignored so that clients may send more than we read. */
export function parseExecuteRequest(body: unknown): ExecuteRequest {
	const object = requireObject(body);
	const program = parseProgram(object);
	const {stdin} = object;
	if (stdin !== undefined && stdin !== null && typeof stdin !== 'string') {
		throw badRequest('Field \'stdin\' must be a string');
	}

	return {program, args: parseArgs(object['args']), stdin: typeof stdin === 'string' ? stdin : null, limits: parseRequestedLimits(object)};
}
