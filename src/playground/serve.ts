import {randomBytes} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import type {Middleware} from 'koa';
import type {AppState} from '../http/context.ts';
import {AppError} from '../http/errors.ts';
import {answeredNotModified, fixedBody, type FixedBody} from '../http/fixed-body.ts';

/** Where scripts/build-playground.mjs leaves the bundled page. */
export const playgroundDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'playground', 'build');

/**
 * The page's only paths: the page itself, its two bundled files, and the licenses of what the script bundles (its
 * last line points there). Served without a token (they hold no data).
 */
export const playgroundAssets: Readonly<Record<string, {readonly file: string; readonly type: string}>> = {
	'/': {file: 'index.html', type: 'text/html; charset=utf-8'},
	'/playground/app.js': {file: 'app.js', type: 'text/javascript; charset=utf-8'},
	'/playground/app.css': {file: 'app.css', type: 'text/css; charset=utf-8'},
	'/playground/app.js.LEGAL.txt': {file: 'app.js.LEGAL.txt', type: 'text/plain; charset=utf-8'},
};

/**
 * Deny by default: scripts, styles and connections to this server only; inline styles only with the response's
 * nonce (the editor and the terminal add <style> elements, and the page gives each one the nonce); no inline script,
 * no eval, no frames, no forms, no plugins. `connect-src 'self'` also covers ws: to this host.
 */
export function contentSecurityPolicy(nonce: string): string {
	return [
		'default-src \'none\'',
		'script-src \'self\'',
		`style-src 'self' 'nonce-${nonce}'`,
		'connect-src \'self\'',
		'img-src \'self\' data:',
		'font-src \'self\'',
		'base-uri \'none\'',
		'form-action \'none\'',
		'frame-ancestors \'none\'',
	].join('; ');
}

/**
 * The playground at `GET /`, when turned on (`C_RUNNER_PLAYGROUND`). Files are read once and kept; a page not built
 * is a clear 404 that says how to build it.
 */
export function playground(enabled: boolean, dir = playgroundDir): Middleware<AppState> {
	const cache = new Map<string, FixedBody>();
	const read = (file: string) => {
		let entry = cache.get(file);
		if (entry === undefined) {
			let bytes: Buffer;
			try {
				bytes = fs.readFileSync(path.join(dir, file));
			} catch {
				throw new AppError(404, 'The playground page is not built: `node scripts/setup.mjs` builds it');
			}

			entry = fixedBody(bytes);
			cache.set(file, entry);
		}

		return entry;
	};

	return async (ctx, next) => {
		const asset = playgroundAssets[ctx.path];
		if (!enabled || asset === undefined) {
			await next();
			return;
		}

		if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
			// As the router answers its own paths: OPTIONS says what the path takes, another method is a 405 saying it.
			ctx.set('Allow', 'HEAD, GET');
			ctx.status = ctx.method === 'OPTIONS' ? 200 : 405;
			if (ctx.method === 'OPTIONS') {
				ctx.body = '';
			}

			return;
		}

		const entry = read(asset.file);
		// With a validator, an unchanged bundle (870 KB) is a 304. The page itself has a fresh nonce each time.
		if (asset.file !== 'index.html' && answeredNotModified(ctx, entry)) {
			return;
		}

		const nonce = randomBytes(16).toString('base64');
		ctx.set({
			'Content-Security-Policy': contentSecurityPolicy(nonce),
			'X-Content-Type-Options': 'nosniff',
			'Referrer-Policy': 'no-referrer',
			'Cross-Origin-Opener-Policy': 'same-origin',
			'Cache-Control': 'no-cache',
		});
		ctx.type = asset.type;
		ctx.body = asset.file === 'index.html' ? entry.bytes.toString('utf8').replace('{{NONCE}}', nonce) : entry.bytes;
	};
}
