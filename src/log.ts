import {stdSerializers, type LoggerOptions} from 'pino';

/**
 * The server's logger options. What the log never shows, as pino's `redact` paths: a safety net, as request bodies
 * and outputs are never logged on purpose. An error's own `code` (`ENOSPC`, `ECONNRESET`, ...) is logged as
 * `errorCode`, as `err.code` would be redacted with a request's `code`.
 */
export const logOptions = {
	redact: ['code', 'stdin', 'output', 'error.output', '*.code', '*.stdin', '*.output'],
	serializers: {
		err(error: unknown) {
			// Only an error is serialized: many lines log `err` as a string (`String(error)`, a message), which spread
			// into an object became one key per character; anything else keeps its `code` under the redaction.
			if (!(error instanceof Error)) {
				return error;
			}

			const {code, ...rest} = stdSerializers.err(error) as ReturnType<typeof stdSerializers.err> & {code?: unknown};
			return code === undefined ? rest : {...rest, errorCode: code};
		},
	},
} satisfies LoggerOptions;
