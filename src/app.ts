import Koa, {type Middleware} from 'koa';
import {Router} from './http/required.ts';
import type {Logger} from 'pino';
import type {Config} from './config.ts';
import type {HealthCheck} from './health.ts';
import {parsed, requestContext, type AppContext, type AppState, type RequestsInFlight} from './http/context.ts';
import {allowedHosts, hostsOf} from './http/allowed-hosts.ts';
import {cors} from './http/cors.ts';
import {errorHandler, publicError} from './http/error-handler.ts';
import {AppError} from './http/errors.ts';
import {openEventStream, type EventStream} from './http/event-stream.ts';
import {jsonBody} from './http/json-body.ts';
import {boundPipelining} from './http/pipelining.ts';
import {sendAnswer, setJson} from './http/send.ts';
import {headerToken, tokenChecker} from './http/token.ts';
import {parseJudgeRequest, type JudgeOptions, type JudgeRequest} from './judge/parse-judge.ts';
import {parseExecuteRequest} from './job/parse-request.ts';
import {openApiDocument} from './openapi.ts';
import {answeredNotModified, fixedBody} from './http/fixed-body.ts';
import {playground, playgroundAssets} from './playground/serve.ts';
import {registerJudge0, registerPiston, type Judge0Jobs} from './compat/routes.ts';
import type {Runner} from './runner.ts';
import type {Metrics} from './metrics.ts';

export interface AppDeps {
	readonly config: Pick<Config, 'token' | 'bodyLimitBytes' | 'judge' | 'corsOrigins' | 'allowedHosts' | 'sendTimeoutMs' | 'runMax' | 'run' | 'playground' | 'linker' | 'responseBytes'>;
	readonly logger: Logger;
	readonly runner: Runner;
	readonly health: HealthCheck;
	/** gcc's version, `12.2.0`, as the Piston and Judge0 routes report it. */
	readonly compilerVersion: string;
	/** Judge0's asynchronous submissions. */
	readonly submissions: Judge0Jobs;
	/** Aborted when the server shuts down past its grace period: in-flight jobs are cancelled. */
	readonly shutdownSignal?: AbortSignal;
	/** Aborted when the server begins to stop: requests that still come (on connections kept alive) run nothing. */
	readonly stoppingSignal?: AbortSignal;
	/** Counts the requests being handled, for a stop to wait for their log lines. */
	readonly requestsInFlight?: RequestsInFlight;
	/** How often a quiet event stream gets a keep-alive comment. */
	readonly heartbeatMs?: number;
	/** Prometheus metrics, served at GET /metrics (with the token, when one is set, like the API). */
	readonly metrics?: Metrics;
}

/** Endpoints anyone may read, token or not: the health probe and the API's description. */
const publicPaths = new Set(['/health', '/openapi.json']);
/**
 * Whether a path is one of those as the router matches it (case-insensitive, with or without a trailing slash): the
 * same document is free to read however its path is spelt.
 */
const isPublic = (requestPath: string) => publicPaths.has(requestPath.toLowerCase().replace(/(?<=.)\/$/, ''));

/**
 * When a token is configured, every endpoint but the public ones needs `Authorization: Bearer <token>`, or
 * `X-Auth-Token: <token>` as Judge0's clients send it.
 */
function requireToken(token: string | null): Middleware<AppState> {
	const matches = tokenChecker(token);
	return async (ctx, next) => {
		if (!isPublic(ctx.path)) {
			if (!matches(headerToken(ctx.get('Authorization'), ctx.get('X-Auth-Token')))) {
				throw new AppError(401, 'Missing or invalid bearer token', {'WWW-Authenticate': 'Bearer'});
			}
		}

		await next();
	};
}

/**
 * HTTP/1.1 requires a Host header (RFC 9112 section 3.2). The server leaves the check to this (Node's own refusal is
 * a bare 400), so that the refusal is an `{error}` answer like every other.
 */
const requireHost: Middleware<AppState> = async (ctx, next) => {
	if (ctx.req.httpVersion === '1.1' && ctx.req.headers.host === undefined) {
		throw new AppError(400, 'Missing Host header: HTTP/1.1 requires one');
	}

	await next();
};

/**
 * Once the server is stopping, a request that still reaches it — on a connection kept alive, whose client has not yet
 * seen the `Connection: close` of the answers under way — runs nothing: a 503 to send it again, elsewhere or later,
 * and the connection is closed after it.
 */
const refuseWhileStopping = (stopping: AbortSignal | undefined): Middleware<AppState> => async (ctx, next) => {
	if (stopping?.aborted) {
		throw new AppError(503, 'Server is shutting down: it takes no new requests; send this one again, to another instance or once it is back', {Connection: 'close', 'Retry-After': '1'});
	}

	await next();
};

const requireJson: Middleware<AppState> = async (ctx, next) => {
	// No body at all (neither Content-Length nor Transfer-Encoding): the body is what is missing, not its type.
	if (ctx.get('content-length') === '' && ctx.get('transfer-encoding') === '') {
		throw new AppError(400, 'Request body must be a JSON object');
	}

	if (!ctx.is('json')) {
		throw new AppError(415, 'Content-Type must be application/json');
	}

	await next();
};

/**
 * A judge request answered as Server-Sent Events: `compile`, one `result` per test case as it finishes, then
 * `summary` (the whole JSON answer). Before the request is admitted (let into a queue, or given its slot), failures
 * are ordinary responses (a 503 when the queue is full); after, the stream has begun, keep-alive comments flow while
 * it waits, and a failure is an `error` event.
 */
async function streamJudge(ctx: AppContext, deps: AppDeps, request: JudgeRequest) {
	let stream: EventStream | null = null;
	const open = () => {
		stream ??= openEventStream(ctx, deps.heartbeatMs ?? 15_000, deps.config.sendTimeoutMs);
		return stream;
	};

	try {
		const result = await deps.runner.judge(request, ctx.state.signal, {
			admitted: open,
			compiled: event => open().send('compile', event),
			result: result => open().send('result', result),
		}, ctx.state.log);
		ctx.state.jobStatus = result.verdict;
		open().send('summary', result);
	} catch (error) {
		if (stream === null) {
			throw error;
		}

		const known = publicError(ctx, error, deps.config.bodyLimitBytes);
		if (known !== null) {
			ctx.state.streamStatus = known.status;
			(stream as EventStream).send('error', {error: known.message});
		}
	} finally {
		(stream as EventStream | null)?.end();
	}
}

/** The OpenAPI document (54 KB) never changes while the server runs: encoded once, not per request. */
const openApiBody = fixedBody(Buffer.from(JSON.stringify(openApiDocument)));

export function createApp(deps: AppDeps): Koa<AppState> {
	const app = new Koa<AppState>();
	app.silent = true;
	const router = new Router<AppState>();
	const parseJson = jsonBody(deps.config.bodyLimitBytes);

	router.post('/execute_c', requireJson, parseJson, async ctx => {
		const request = parseExecuteRequest(ctx.request.body);
		parsed(ctx);
		const result = await deps.runner.execute(request, ctx.state.signal, ctx.state.log);
		ctx.state.jobStatus = result.status;
		setJson(ctx, result);
	});

	/** /judge_c, and Turbo's own route, /submit, where `language` is required as Turbo always sends it. */
	const judgeRoute = (options: JudgeOptions): Middleware<AppState> => async ctx => {
		const request = parseJudgeRequest(ctx.request.body, deps.config.judge, options);
		parsed(ctx);
		if (ctx.accepts('application/json', 'text/event-stream') === 'text/event-stream') {
			await streamJudge(ctx as AppContext, deps, request);
			return;
		}

		const result = await deps.runner.judge(request, ctx.state.signal, {}, ctx.state.log);
		ctx.state.jobStatus = result.verdict;
		setJson(ctx, result);
	};

	router.post('/judge_c', requireJson, parseJson, judgeRoute({}));
	router.post('/submit', requireJson, parseJson, judgeRoute({requireLanguage: true}));

	registerPiston(router, deps);
	registerJudge0(router, deps, requireJson);

	const {metrics} = deps;
	if (metrics) {
		router.get('/metrics', async ctx => {
			ctx.type = metrics.registry.contentType;
			ctx.body = await metrics.registry.metrics();
		});
	}

	router.get('/openapi.json', async ctx => {
		ctx.type = 'application/json';
		if (!answeredNotModified(ctx, openApiBody)) {
			ctx.body = openApiBody.bytes;
		}
	});

	router.get('/health', async ctx => {
		const report = await deps.health.check();
		ctx.status = report.status === 'ok' ? 200 : 503;
		setJson(ctx, report);
	});

	app.use(requestContext(deps.logger, deps.shutdownSignal, deps.requestsInFlight));
	app.use(sendAnswer(deps.config.sendTimeoutMs));
	if (metrics) {
		// Outside the error handler: it counts the status the client got.
		app.use(metrics.countRequests((requestPath, method) => {
			// The playground's page and assets, served before the router: each its own route, as few as they are.
			if (Object.hasOwn(playgroundAssets, requestPath)) {
				return requestPath;
			}

			const {path: layers} = router.match(requestPath, method);
			const route = layers.find(layer => layer.methods.length > 0)?.path;
			return typeof route === 'string' ? route : undefined;
		}));
	}

	app.use(errorHandler(deps.config.bodyLimitBytes));
	app.use(refuseWhileStopping(deps.stoppingSignal));
	app.use(boundPipelining());
	app.use(requireHost);
	app.use(allowedHosts(hostsOf(deps.config)));
	app.use(cors(deps.config.corsOrigins));
	// The page needs no token: it holds none of the server's data, and asks for the token itself.
	app.use(playground(deps.config.playground));
	app.use(requireToken(deps.config.token));
	app.use(router.routes());
	app.use(router.allowedMethods());
	return app;
}
