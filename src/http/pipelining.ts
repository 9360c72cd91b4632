// HTTP/1.1 pipelining, bounded: Node parses every request that arrived in one read at once and runs each one's
// handler, queueing the answers behind the first, unread one. 90 KB of pipelined `GET /openapi.json` never read
// held 110 MiB of answers: one connection may have this many requests unanswered, and the ones past it are refused.
import type {Socket} from 'node:net';
import type {Middleware} from 'koa';
import type {AppState} from './context.ts';
import {AppError} from './errors.ts';

/** The most requests one connection may have waiting for their answers. Browsers and HTTP clients do not pipeline. */
export const maxPipelined = 16;

/**
 * Counts each connection's unanswered requests; past `maxPipelined`, a 429 that closes the connection (the requests
 * already sent after it are refused the same way, each with a small answer, and never run).
 */
export function boundPipelining(): Middleware<AppState> {
	const unanswered = new WeakMap<Socket, number>();
	return async (ctx, next) => {
		const {socket} = ctx.req;
		const waiting = (unanswered.get(socket) ?? 0) + 1;
		unanswered.set(socket, waiting);
		ctx.res.once('close', () => {
			unanswered.set(socket, (unanswered.get(socket) ?? 1) - 1);
		});
		if (waiting > maxPipelined) {
			throw new AppError(429, `More than ${maxPipelined} requests pipelined on one connection without reading their answers; the connection is closed`, {Connection: 'close'});
		}

		await next();
	};
}
