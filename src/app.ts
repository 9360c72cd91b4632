import {createHash, timingSafeEqual} from 'node:crypto';
import Koa, {type Middleware} from 'koa';
import {Router} from '@koa/router';
import bodyParser from 'koa-bodyparser';
import type {Logger} from 'pino';
import type {Config} from './config.ts';
import type {HealthCheck} from './health.ts';
import {requestContext, type AppState} from './http/context.ts';
import {errorHandler} from './http/error-handler.ts';
import {AppError} from './http/errors.ts';
import {parseExecuteRequest} from './job/parse-request.ts';
import type {Runner} from './job/run-job.ts';

export interface AppDeps {
	readonly config: Pick<Config, 'token' | 'bodyLimitBytes'>;
	readonly logger: Logger;
	readonly runner: Runner;
	readonly health: HealthCheck;
	/** Aborted when the server shuts down past its grace period: in-flight jobs are cancelled. */
	readonly shutdownSignal?: AbortSignal;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** When a token is configured, every endpoint but /health needs `Authorization: Bearer <token>`. */
function requireToken(token: string | null): Middleware<AppState> {
	const expected = token === null ? null : digest(token);
	return async (ctx, next) => {
		if (expected !== null && ctx.path !== '/health') {
			const match = /^Bearer (.+)$/.exec(ctx.get('Authorization'));
			if (!match || !timingSafeEqual(digest(match[1]!), expected)) {
				throw new AppError(401, 'Missing or invalid bearer token', {'WWW-Authenticate': 'Bearer'});
			}
		}

		await next();
	};
}

const requireJson: Middleware<AppState> = async (ctx, next) => {
	if (!ctx.is('json')) {
		throw new AppError(415, 'Content-Type must be application/json');
	}

	await next();
};

export function createApp(deps: AppDeps): Koa<AppState> {
	const app = new Koa<AppState>();
	app.silent = true;
	const router = new Router<AppState>();
	const parseJson = bodyParser({enableTypes: ['json'], jsonLimit: String(deps.config.bodyLimitBytes), strict: false});

	router.post('/execute_c', requireJson, parseJson, async ctx => {
		const request = parseExecuteRequest(ctx.request.body);
		const result = await deps.runner.execute(request, ctx.state.signal);
		ctx.state.jobStatus = result.status;
		ctx.body = result;
	});

	router.get('/health', async ctx => {
		const report = await deps.health.check();
		ctx.status = report.status === 'ok' ? 200 : 503;
		ctx.body = report;
	});

	app.use(requestContext(deps.logger, deps.shutdownSignal));
	app.use(errorHandler(deps.config.bodyLimitBytes));
	app.use(requireToken(deps.config.token));
	app.use(router.routes());
	app.use(router.allowedMethods());
	return app;
}
