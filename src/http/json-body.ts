// Every route's JSON body reader: koa-bodyparser with the server's body limit, and a body that does not decompress
// told apart from a server failure.
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
 * The body as JSON when its Content-Type says JSON (`anyType`: whatever it says, or none). Its size past the limit, an
 * unknown encoding and bad JSON become their 4xx in the error handler; a gzip, deflate or br body that does not
 * decompress is a 400 here.
 */
export function jsonBody(limitBytes: number, options: {anyType?: boolean} = {}): Middleware<AppState> {
	// A `__proto__` key is dropped as the unknown field it is (co-body's default refuses the body as if it were not
	// JSON); it never reaches an object's prototype either way. co-body's option, passed on by koa-bodyparser.
	const coBody = {onProtoPoisoning: 'remove'};
	return bodyParser({
		...coBody,
		enableTypes: ['json'],
		jsonLimit: String(limitBytes),
		strict: false,
		...(options.anyType ? {detectJSON: () => true} : {}),
		onerror(error) {
			if (isDecompressionError(error)) {
				throw new AppError(400, 'Request body could not be decompressed: it is not what its Content-Encoding says');
			}

			throw error;
		},
	}) as Middleware<AppState>;
}
