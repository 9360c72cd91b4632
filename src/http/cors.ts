import type {Middleware} from 'koa';
import type {AppState} from './context.ts';
import {AppError} from './errors.ts';

const allowedMethods = 'GET, POST, OPTIONS';
// X-Auth-Token: the token as Judge0's clients send it (requireToken takes it as well as Authorization).
const allowedHeaders = 'Accept, Authorization, Content-Type, X-Auth-Token, X-Request-Id';
const exposedHeaders = 'Retry-After, X-Request-Id';
/** How long a browser may reuse a preflight answer. */
const preflightMaxAgeSeconds = 600;
/** What a page of any origin may send: reads, whose answers the browser keeps from it without CORS headers. */
const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Whether a page of this origin may act on the server: no `Origin` (not a browser), the server's own origin (the
 * playground: the `Origin`'s host and port are the `Host` header's), or one of the CORS allow-list (`*`: any).
 */
export function originAllowed(origin: string | undefined, host: string | undefined, allowList: readonly string[]): boolean {
	if (origin === undefined) {
		return true;
	}

	if (allowList.includes('*') || allowList.includes(origin)) {
		return true;
	}

	try {
		return host !== undefined && new URL(origin).host === host;
	} catch {
		return false;
	}
}

const refusal = (origin: string) => new AppError(403, `Origin ${origin} is not allowed to call this API (C_RUNNER_CORS_ORIGINS)`);

/**
 * CORS for an allow-list of origins (`*`: any), so documentation pages can call the API from a browser. Off when the
 * list is empty: no CORS header is ever sent. Preflights are answered here, before the token check: a browser sends
 * them without credentials. Reads from other origins are served as usual, without CORS headers, so the browser
 * keeps their answers from the page; a preflight from one is refused with a 403 that names the setting, and so is
 * a POST: a form or a `no-cors` fetch sends one without a preflight (Piston's route reads a text/plain body as
 * JSON), and would run a program on the visitor's behalf, answer unread.
 */
export function cors(origins: readonly string[]): Middleware<AppState> {
	const anyOrigin = origins.includes('*');
	return async (ctx, next) => {
		const origin = ctx.get('Origin');
		if (origin !== '' && !safeMethods.has(ctx.method) && !originAllowed(origin, ctx.get('Host'), origins)) {
			throw refusal(origin);
		}

		// With CORS on, an answer depends on the Origin sent, or on there being none: a cache must keep them apart.
		if (origins.length > 0) {
			ctx.vary('Origin');
		}

		if (origins.length === 0 || origin === '') {
			await next();
			return;
		}

		const allowed = anyOrigin || origins.includes(origin);
		const preflight = ctx.method === 'OPTIONS' && ctx.get('Access-Control-Request-Method') !== '';
		if (!allowed) {
			if (preflight) {
				throw refusal(origin);
			}

			await next();
			return;
		}

		ctx.set('Access-Control-Allow-Origin', origin);
		if (preflight) {
			ctx.set({
				'Access-Control-Allow-Methods': allowedMethods,
				'Access-Control-Allow-Headers': allowedHeaders,
				'Access-Control-Max-Age': String(preflightMaxAgeSeconds),
			});
			ctx.status = 204;
			return;
		}

		ctx.set('Access-Control-Expose-Headers', exposedHeaders);
		await next();
	};
}
