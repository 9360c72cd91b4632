// Every route's JSON body reader: koa-bodyparser reads the text (the server's body limit, gzip, deflate and br), a
// linear scan refuses the shapes that cost JSON.parse far more than their size, then JSON.parse. A body that does not
// decompress is told apart from a server failure.
import bodyParser from 'koa-bodyparser';
import type {Middleware} from 'koa';
import {AppError} from './errors.ts';
import type {AppState} from './context.ts';

/** zlib's codes (`Z_DATA_ERROR`, `Z_BUF_ERROR`) and brotli's (`ERR__ERROR_FORMAT_…`) for input that is not what it says. */
const isDecompressionError = (error: unknown) => {
	const code = (error as {code?: unknown} | null)?.code;
	return typeof code === 'string' && (code.startsWith('Z_') || code.startsWith('ERR__ERROR_'));
};

/**
 * What a body may hold beyond its size. JSON.parse's time grows with the arrays and objects it builds, with their
 * nesting and with each new field name (a hidden class each), not with the bytes alone: 2 MB of a million nested `[`,
 * or of 150,000 objects each with a field of its own name, took it 0.3–1.4 s here, against 3 ms for a 2 MB string.
 * Every request of the API nests 4 levels at most and uses a few dozen field names.
 */
export const jsonShapeLimits = {depth: 32, containers: 100_000, fields: 1000, names: 1000} as const;

/**
 * Why a body's JSON would cost more to parse than its size allows (past one of `jsonShapeLimits`), or null. One pass
 * over the text; it does not judge the syntax (JSON.parse does, after).
 */
export function jsonShapeProblem(text: string): string | null {
	// For each array or object open at this point: -1 for an array, an object's fields so far.
	const open: number[] = [];
	const names = new Set<string>();
	let containers = 0;
	let nameNext = false;
	for (let index = 0; index < text.length; index++) {
		const unit = text.charCodeAt(index);
		if (unit === 0x22) {
			// To the string's closing quote: the next quote not escaped by an odd run of backslashes.
			const start = index;
			do {
				index = text.indexOf('"', index + 1);
				let backslashes = 0;
				while (index > 0 && text.charCodeAt(index - 1 - backslashes) === 0x5C) {
					backslashes++;
				}

				if (backslashes % 2 === 0) {
					break;
				}
			} while (index !== -1);

			if (index === -1) {
				// Unterminated: JSON.parse says so.
				return null;
			}

			if (nameNext) {
				nameNext = false;
				const fields = ++open[open.length - 1]!;
				if (fields > jsonShapeLimits.fields) {
					return `has an object with more than ${jsonShapeLimits.fields} fields`;
				}

				names.add(text.slice(start, index));
				if (names.size > jsonShapeLimits.names) {
					return `has more than ${jsonShapeLimits.names} distinct field names`;
				}
			}
		} else if (unit === 0x5B || unit === 0x7B) {
			if (++containers > jsonShapeLimits.containers) {
				return `has more than ${jsonShapeLimits.containers} arrays and objects`;
			}

			open.push(unit === 0x7B ? 0 : -1);
			if (open.length > jsonShapeLimits.depth) {
				return `is nested more than ${jsonShapeLimits.depth} levels deep`;
			}

			nameNext = unit === 0x7B;
		} else if (unit === 0x5D || unit === 0x7D) {
			open.pop();
			nameNext = false;
		} else if (unit === 0x2C) {
			nameNext = open.length > 0 && open.at(-1) !== -1;
		}
	}

	return null;
}

/**
 * Drops every `__proto__` field, as the unknown field it is: JSON.parse makes it an own field, never a prototype, but
 * a copy made by assignment would take it for one. A walk after JSON.parse rather than a reviver: a reviver costs a
 * call per value, so one escape in a 2 MB array of numbers held the event loop 1.1 s, against 0.06 s without. The
 * shape scan bounds the nesting, and so this recursion.
 */
function dropProto(value: unknown): void {
	if (typeof value !== 'object' || value === null) {
		return;
	}

	if (Array.isArray(value)) {
		for (const item of value) {
			dropProto(item);
		}

		return;
	}

	if (Object.hasOwn(value, '__proto__')) {
		delete (value as Record<string, unknown>)['__proto__'];
	}

	for (const field of Object.values(value)) {
		dropProto(field);
	}
}

/** The body's JSON value; '' for an empty body (each route's parser says what it expected). */
export function parseJson(text: string): unknown {
	if (text === '') {
		return '';
	}

	const problem = jsonShapeProblem(text);
	if (problem !== null) {
		throw new AppError(400, `Request body ${problem}`);
	}

	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch {
		throw new AppError(400, 'Request body is not valid JSON');
	}

	// Only a body that may spell `__proto__`, escapes included, is walked.
	if (text.includes('__proto__') || text.includes('\\u')) {
		dropProto(value);
	}

	return value;
}

/**
 * The body as JSON, read whatever its Content-Type says (each route checks that first; `anyType`: whatever it says,
 * or none). JSON is UTF-8 (RFC 8259): a body that says it is in another charset is a 415, never decoded as UTF-8
 * behind its back. Its size past the limit, an unknown encoding and bad JSON become their 4xx in the error handler;
 * a gzip, deflate or br body that does not decompress is a 400 here.
 */
export function jsonBody(limitBytes: number, options: {anyType?: boolean} = {}): Middleware<AppState> {
	/**
	 * The charset a Content-Type names where its parameters are malformed (`; charset=latin1;`, a stray `; q`), which
	 * koa reads as no charset at all: such a body is still not decoded as UTF-8 behind its back.
	 */
	const charsetParameter = (header: string) => /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(header)?.[1] ?? '';
	// Read as text, of any type, so that the text is scanned before JSON.parse sees it.
	const readText = bodyParser({
		enableTypes: ['text'],
		extendTypes: {text: ['*/*']},
		textLimit: String(limitBytes),
		onerror(error) {
			if (isDecompressionError(error)) {
				throw new AppError(400, 'Request body could not be decompressed: it is not what its Content-Encoding says');
			}

			throw error;
		},
	}) as Middleware<AppState>;
	return async (ctx, next) => {
		const charset = ctx.request.charset || charsetParameter(ctx.get('Content-Type'));
		// US-ASCII is UTF-8's first 128 characters: a body that says so is read as it is.
		if (charset !== '' && !/^(?:utf-?8|us-ascii)$/i.test(charset)) {
			throw new AppError(415, `Request body must be UTF-8 JSON (Content-Type says charset=${charset})`);
		}

		// koa-bodyparser reads a body only of a type it can parse: one with none, or with an unreadable one, is read
		// as the text/plain it is taken for.
		if (options.anyType && !ctx.is('*/*')) {
			ctx.req.headers['content-type'] = 'text/plain';
		}

		// Content codings are case-insensitive (RFC 9110); the body reader knows them in lower case only.
		const encoding = ctx.req.headers['content-encoding'];
		if (encoding !== undefined) {
			ctx.req.headers['content-encoding'] = encoding.trim().toLowerCase();
		}

		await readText(ctx, async () => {
			const {body} = ctx.request as {body?: unknown};
			// The access log's `requestBytes` when no Content-Length gives it (a chunked body): the body as read.
			if (typeof body === 'string' && ctx.get('Content-Length') === '') {
				ctx.state.bodyBytes = Buffer.byteLength(body);
			}

			ctx.request.body = typeof body === 'string' ? parseJson(body) : body;
			await next();
		});
	};
}
