import type {Middleware} from 'koa';
import type {AppState} from './context.ts';
import {AppError} from './errors.ts';

const allowedMethods = 'GET, POST, OPTIONS';
const allowedHeaders = 'Accept, Authorization, Content-Type, X-Request-Id';
const exposedHeaders = 'Retry-After, X-Request-Id';
/** How long a browser may reuse a preflight answer. */
const preflightMaxAgeSeconds = 600;

/**
 * CORS for an allow-list of origins (`*`: any), so documentation pages can call the API from a browser. Off when the
 * list is empty: no CORS header is ever sent. Preflights are answered here, before the token check: a browser sends
 * them without credentials. Requests from other origins are served as usual, without CORS headers, so the browser
 * keeps their answers from the page; a preflight from one is refused with a 403 that names the setting.
 */
export function cors(origins: readonly string[]): Middleware<AppState> {
	const anyOrigin = origins.includes('*');
	return async (ctx, next) => {
		const origin = ctx.get('Origin');
		if (origins.length === 0 || origin === '') {
			await next();
			return;
		}

		ctx.vary('Origin');
		const allowed = anyOrigin || origins.includes(origin);
		const preflight = ctx.method === 'OPTIONS' && ctx.get('Access-Control-Request-Method') !== '';
		if (!allowed) {
			if (preflight) {
				throw new AppError(403, `Origin ${origin} is not allowed to call this API (C_RUNNER_CORS_ORIGINS)`);
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
