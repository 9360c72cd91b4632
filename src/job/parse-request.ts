import {badRequest} from '../http/errors.ts';
import {splitArgs} from './split-args.ts';

/** Per-request limits; null takes the server's default. Clamped to the server's maxima when the job runs. */
export interface RequestedLimits {
	/** CPU time; the wall-clock limit becomes twice this plus a second. */
	readonly timeLimitMs: number | null;
	readonly memoryLimitMb: number | null;
}

export const defaultLimits: RequestedLimits = {timeLimitMs: null, memoryLimitMb: null};

export interface ExecuteRequest {
	readonly code: string;
	readonly args: readonly string[];
	/** Bytes fed to the program's stdin; null means an empty stdin (immediate EOF). */
	readonly stdin: string | null;
	readonly limits: RequestedLimits;
}

export const maxArgs = 256;
export const maxArgsBytes = 64 * 1024;

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
	typeof value === 'object' && value !== null && !Array.isArray(value);

function parseArgs(value: unknown): string[] {
	if (value === undefined || value === null) {
		return [];
	}

	let args: string[];
	if (typeof value === 'string') {
		if (value.includes('\0')) {
			throw badRequest('Field \'args\' must not contain NUL bytes');
		}

		args = splitArgs(value);
	} else if (Array.isArray(value) && value.every(item => typeof item === 'string')) {
		if (value.some(item => item.includes('\0'))) {
			throw badRequest('Field \'args\' must not contain NUL bytes');
		}

		args = value;
	} else {
		throw badRequest('Field \'args\' must be a string or an array of strings');
	}

	if (args.length > maxArgs) {
		throw badRequest(`Field 'args' has ${args.length} arguments; at most ${maxArgs} are allowed`);
	}

	if (args.reduce((total, arg) => total + Buffer.byteLength(arg) + 1, 0) > maxArgsBytes) {
		throw badRequest(`Field 'args' is longer than ${maxArgsBytes} bytes`);
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

/** Validates a decoded JSON body. Unknown fields are ignored so that clients may send more than we read. */
export function parseExecuteRequest(body: unknown): ExecuteRequest {
	const object = requireObject(body);
	const code = parseCode(object);
	const {stdin} = object;
	if (stdin !== undefined && stdin !== null && typeof stdin !== 'string') {
		throw badRequest('Field \'stdin\' must be a string');
	}

	return {code, args: parseArgs(object['args']), stdin: typeof stdin === 'string' ? stdin : null, limits: parseRequestedLimits(object)};
}
