import type {ServerResponse} from 'node:http';
import {Stream} from 'node:stream';
import type {Middleware} from 'koa';
import type {AppState} from './context.ts';

/**
 * Cuts the connection of a client that does not take what was written to it within `ms` (`arm` on each write that
 * waits; the answer draining or ending disarms). An unread answer costs its bytes for at most that long.
 */
export function sendDeadline(res: ServerResponse, ms: number): {arm(): void} {
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
				timer = setTimeout(() => res.destroy(), ms);
				timer.unref();
			}
		},
	};
}

/**
 * A JSON answer is encoded once, to a Buffer, before Koa writes it: the result object and its strings are freed at
 * once instead of living as long as the socket holds the bytes, and Koa's length getter does not encode it again.
 * The answer then has `sendTimeoutMs` to reach the client.
 */
export function sendAnswer(sendTimeoutMs: number): Middleware<AppState> {
	return async (ctx, next) => {
		await next();
		const {body} = ctx;
		if (body !== null && typeof body === 'object' && !Buffer.isBuffer(body) && !(body instanceof Stream)) {
			const {status} = ctx;
			ctx.body = Buffer.from(JSON.stringify(body));
			ctx.type = 'application/json';
			// Assigning a body would otherwise turn a 4xx/5xx into 200.
			ctx.status = status;
		}

		if (ctx.respond !== false) {
			sendDeadline(ctx.res, sendTimeoutMs).arm();
		}
	};
}
