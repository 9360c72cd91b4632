import type {ServerResponse} from 'node:http';
import type {Duplex} from 'node:stream';
import type {Middleware, ParameterizedContext} from 'koa';
import type {Logger} from 'pino';
import {requestIdOf, type AppState} from './context.ts';
import type {AppError} from './errors.ts';
import {http} from './required.ts';

/** How long a refused connection may stay open after its answer, for the client to read it and close. */
export const refusalLingerMs = 2000;

/** The body and headers of an `{error}` answer made outside Koa (the error's own headers last). */
export function errorAnswer(error: AppError, requestId: string, extraHeaders: Record<string, string> = {}): {readonly body: string; readonly headers: Record<string, string>} {
	const body = JSON.stringify({error: error.message});
	return {
		body,
		headers: {
			'Content-Type': 'application/json; charset=utf-8',
			'Content-Length': String(Buffer.byteLength(body)),
			'X-Request-Id': requestId,
			...extraHeaders,
			...error.headers,
		},
	};
}

/**
 * An `{error}` answer written straight to a connection that no response object stands for (an upgrade refused, a
 * request Node's parser could not read), and the connection closed.
 */
export function refuseOnSocket(socket: Duplex, error: AppError, requestId = requestIdOf(undefined)): void {
	const {body, headers} = errorAnswer(error, requestId, {Connection: 'close'});
	const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
	socket.end(`HTTP/1.1 ${error.status} ${http.STATUS_CODES[error.status]}\r\n${head}\r\n${body}`);
	// Ended, the connection stays half-open until the client closes its side (the HTTP server allows half-open
	// connections): a client that never did kept its descriptor, and its place under C_RUNNER_MAX_CONNECTIONS, for good.
	const timer = setTimeout(() => socket.destroy(), refusalLingerMs);
	timer.unref();
	socket.once('close', () => {
		clearTimeout(timer);
	});
}

/**
 * Cuts the connection of a client that does not take what was written to it within `ms` (`arm` on each write that
 * waits; the answer draining or ending disarms). An unread answer costs its bytes for at most that long. A cut has a
 * line of its own in `log`, with how much the client had not taken: the access log was written when the answer was,
 * as if the client had it.
 */
export function sendDeadline(res: ServerResponse, ms: number, log: Logger): {arm(): void} {
	let timer: NodeJS.Timeout | undefined;
	const disarm = () => {
		clearTimeout(timer);
		timer = undefined;
	};

	res.on('drain', disarm);
	res.once('finish', disarm);
	res.once('close', disarm);
	return {
		arm() {
			if (timer === undefined && !res.writableFinished && !res.destroyed) {
				timer = setTimeout(() => {
					log.warn({unsentBytes: res.writableLength, sendTimeoutMs: ms}, 'answer not read in time (C_RUNNER_SEND_TIMEOUT_MS): connection cut');
					res.destroy();
				}, ms);
				timer.unref();
			}
		},
	};
}

/**
 * Every JSON answer: encoded once, to a Buffer, the moment it is set. The result object and its strings are freed at
 * once instead of living as long as the socket holds the bytes; Koa's length getter does not encode it again; and
 * Koa is never handed an object, which its body setter would test against the web globals `ReadableStream`, `Blob`
 * and `Response` — and touching `Response` loads Node's fetch client (undici) into the server: 2–3 MiB of its
 * RSS (13–18 in a fresh Node) for nothing (test/memory.test.ts). The status stays what it was (Koa makes an unset
 * one 200).
 */
export function setJson(ctx: ParameterizedContext, value: unknown): void {
	ctx.type = 'application/json';
	ctx.body = Buffer.from(JSON.stringify(value));
}

/** An answer (every JSON one set by setJson) has `sendTimeoutMs` to reach the client. */
export function sendAnswer(sendTimeoutMs: number): Middleware<AppState> {
	return async (ctx, next) => {
		await next();
		if (ctx.respond !== false) {
			sendDeadline(ctx.res, sendTimeoutMs, ctx.state.log).arm();
		}
	};
}
