import {createHash} from 'node:crypto';
import type {ParameterizedContext} from 'koa';

/** An answer's body that never changes while the server runs, encoded once, with its validator. */
export interface FixedBody {
	readonly bytes: Buffer;
	readonly etag: string;
}

export function fixedBody(bytes: Buffer): FixedBody {
	return {bytes, etag: `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 27)}"`};
}

/**
 * Answers with the validator, and a 304 without the bytes when the client already has them (`true`); otherwise the
 * caller sets the body (`false`). `no-cache` asks a client to check each time.
 */
export function answeredNotModified(ctx: ParameterizedContext, body: FixedBody): boolean {
	ctx.status = 200;
	ctx.etag = body.etag;
	ctx.set('Cache-Control', 'no-cache');
	if (ctx.fresh) {
		ctx.status = 304;
		return true;
	}

	return false;
}
