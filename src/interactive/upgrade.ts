import type {IncomingMessage, Server} from 'node:http';
import type {Duplex} from 'node:stream';
import {WebSocketServer} from 'ws';
import {loggedPath, requestIdOf} from '../http/context.ts';
import {hostAllowed, hostRefusal, hostsOf} from '../http/allowed-hosts.ts';
import {originAllowed} from '../http/cors.ts';
import {AppError, toHttpError} from '../http/errors.ts';
import {refuseOnSocket} from '../http/send.ts';
import {headerToken, tokenChecker} from '../http/token.ts';
import type {Slot, Slots} from '../job/slots.ts';
import {runSession, type SessionDeps, type SessionOutcome} from './session.ts';

export const interactivePath = '/interactive';
/** The subprotocol a client may offer; the server picks it. Browsers, which cannot set headers, add the token as another. */
export const subprotocol = 'c-runner';
const tokenProtocolPrefix = 'bearer.';
/** What a client may send before its handshake completes (it should send nothing); past this its socket is ended. */
const maxEarlyBytes = 64 * 1024;

export interface InteractiveDeps {
	readonly session: SessionDeps;
	readonly slots: Slots;
	readonly shutdownSignal?: AbortSignal;
}

/** The token of a `bearer.<base64url>` subprotocol, the way a browser sends it; null without one. */
export function subprotocolToken(header: string | undefined): string | null {
	for (const offered of (header ?? '').split(',').map(value => value.trim())) {
		if (offered.startsWith(tokenProtocolPrefix)) {
			return Buffer.from(offered.slice(tokenProtocolPrefix.length), 'base64url').toString('utf8');
		}
	}

	return null;
}

/** Only a WebSocket upgrade is one: any other Upgrade (h2c, which `curl --http2` offers) is an ordinary request. */
export const isWebSocketUpgrade = (request: IncomingMessage) =>
	(request.headers.upgrade ?? '').split(',').some(token => token.trim().toLowerCase() === 'websocket');

/**
 * What ws would refuse in a WebSocket handshake, found before the request waits for a slot and answered as JSON
 * like every other refusal (ws's own answers are text/html): a method other than GET, a missing or malformed key, a
 * version other than 13 (or 8).
 */
function handshakeProblem(request: IncomingMessage): AppError | null {
	if (request.method !== 'GET') {
		return new AppError(405, `Method not allowed: ${request.method ?? ''} ${interactivePath} (a WebSocket upgrade is a GET)`, {Allow: 'GET'});
	}

	const key = request.headers['sec-websocket-key'];
	if (typeof key !== 'string' || !/^[+/\dA-Za-z]{22}==$/.test(key.trim())) {
		return new AppError(400, 'Missing or invalid Sec-WebSocket-Key header');
	}

	const version = request.headers['sec-websocket-version'];
	if (version !== '13' && version !== '8') {
		return new AppError(400, 'Missing or invalid Sec-WebSocket-Version header (13)', {'Sec-WebSocket-Version': '13, 8'});
	}

	return null;
}

/**
 * Interactive runs on the server's own port: `GET /interactive` upgraded to a WebSocket. The checks come before the
 * upgrade and refuse it with an ordinary JSON error: 404 when turned off, 403 for a foreign origin, 401 without the
 * token, 503 when the interactive sessions or the job queue are full. A session holds a job slot from the upgrade
 * until its socket closes; it waits in the same FIFO queue as every other job (the handshake completes once it has
 * a slot).
 */
export function attachInteractive(server: Server, deps: InteractiveDeps): void {
	const {config, logger} = deps.session;
	const tokenMatches = tokenChecker(config.token);
	const hosts = hostsOf(config);
	// Past the message limit a message gets an `error` message (see parseClientMessage); past twice that, ws itself
	// closes with 1009 without reading it.
	const sockets = new WebSocketServer({
		noServer: true,
		maxPayload: 2 * config.bodyLimitBytes,
		perMessageDeflate: false,
		handleProtocols: offered => offered.has(subprotocol) ? subprotocol : false,
	});
	let open = 0;
	const handshakeRefusals = new WeakMap<Duplex, (error: AppError) => void>();
	// The 101 carries the request's id too, as every answer does.
	const requestIds = new WeakMap<IncomingMessage, string>();
	sockets.on('headers', (headers: string[], request: IncomingMessage) => {
		const requestId = requestIds.get(request);
		if (requestId !== undefined) {
			headers.push(`X-Request-Id: ${requestId}`);
		}
	});
	sockets.on('wsClientError', (error: Error, socket: Duplex) => {
		(handshakeRefusals.get(socket) ?? (known => refuseOnSocket(socket, known)))(new AppError(400, error.message));
	});

	server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
		socket.on('error', () => socket.destroy());
		const started = performance.now();
		const requestId = requestIdOf(request.headers['x-request-id']);
		requestIds.set(request, requestId);
		const log = logger.child({reqId: requestId});
		const outcome: SessionOutcome = {status: 'refused'};
		let slot: Slot | null = null;
		// An upgrade to any other path is the unknown path it asked for, in the log and the metrics alike.
		let asked = {path: interactivePath, route: interactivePath};
		const done = (status: number) => {
			slot?.release();
			deps.session.events?.request?.(asked.route, status);
			log.info({method: request.method, path: asked.path, status, durationMs: Math.round(performance.now() - started), jobStatus: outcome.status}, 'interactive session done');
		};

		const refuseWith = (error: AppError) => {
			refuseOnSocket(socket, error, requestId);
			done(error.status);
		};

		let pathname = '';
		try {
			({pathname} = new URL(request.url ?? '/', 'http://localhost'));
		} catch {}

		if (pathname !== interactivePath) {
			asked = {path: loggedPath(pathname), route: 'unmatched'};
		}

		// First, as on every route: a page that rebound its own name to this server's address is refused by its Host.
		if (!hostAllowed(request.headers.host, hosts)) {
			refuseWith(hostRefusal(request.headers.host!, hosts));
			return;
		}

		if (pathname !== interactivePath || !config.interactive.enabled) {
			refuseWith(new AppError(404, config.interactive.enabled ? `No route for a WebSocket upgrade to ${pathname}` : 'Interactive runs are turned off on this server (C_RUNNER_INTERACTIVE=off)'));
			return;
		}

		const badHandshake = handshakeProblem(request);
		if (badHandshake !== null) {
			refuseWith(badHandshake);
			return;
		}

		// Browsers send `Origin` on every upgrade and, unlike for fetch, enforce nothing themselves: without this
		// check any web page could drive runs on its visitor's behalf.
		if (!originAllowed(request.headers.origin, request.headers.host, config.corsOrigins)) {
			refuseWith(new AppError(403, `Origin ${request.headers.origin} may not open an interactive session (C_RUNNER_CORS_ORIGINS)`));
			return;
		}

		// As for every endpoint: a bearer header, or Judge0's X-Auth-Token; from a browser, the subprotocol.
		const authToken = request.headers['x-auth-token'];
		const presented = headerToken(request.headers.authorization, typeof authToken === 'string' ? authToken : undefined) ?? subprotocolToken(request.headers['sec-websocket-protocol']);
		if (!tokenMatches(presented)) {
			refuseWith(new AppError(401, 'Missing or invalid bearer token', {'WWW-Authenticate': 'Bearer'}));
			return;
		}

		if (open >= config.interactive.sessions) {
			refuseWith(new AppError(503, `Server is busy: ${config.interactive.sessions} interactive sessions are open (C_RUNNER_INTERACTIVE_SESSIONS); retry later`, {'Retry-After': '1'}));
			return;
		}

		open++;
		let finished = false;
		const finish = (status: number) => {
			if (!finished) {
				finished = true;
				open--;
				done(status);
			}
		};

		let upgraded = false;
		const gone = new AbortController();
		// Before the handshake completes (waiting for a slot, or a handshake ws refused), a closed socket ends it all.
		socket.once('close', () => {
			gone.abort(new Error('client closed the connection'));
			if (!upgraded) {
				finish(499);
			}
		});
		// While it waits for a slot, the socket is read: a client that leaves with a FIN (the HTTP server keeps its
		// sockets half-open, so no 'close' follows by itself) is noticed and gives its place back at once. A client
		// sends no frame before the 101; what one sends all the same is handed on to the handshake, up to a bound.
		const early: Buffer[] = [head];
		let earlyBytes = head.length;
		const onEarlyData = (chunk: Buffer) => {
			earlyBytes += chunk.length;
			if (earlyBytes > maxEarlyBytes) {
				socket.destroy();
				return;
			}

			early.push(chunk);
		};
		const onEarlyEnd = () => socket.destroy();
		socket.on('data', onEarlyData);
		socket.once('end', onEarlyEnd);
		const serve = async () => {
			try {
				slot = await deps.slots.acquire(deps.shutdownSignal ? AbortSignal.any([gone.signal, deps.shutdownSignal]) : gone.signal);
			} catch (error) {
				// A stop cancels the upgrades still waiting for a slot: told so, as every job of a stopping server is.
				const known = deps.shutdownSignal?.aborted && !gone.signal.aborted
					? new AppError(503, 'Server is shutting down; the job was cancelled')
					: toHttpError(error);
				if (known !== null) {
					refuseOnSocket(socket, known, requestId);
					finish(known.status);
				} else {
					socket.destroy();
				}

				return;
			}

			if (gone.signal.aborted) {
				finish(499);
				return;
			}

			// ws takes the socket over synchronously, its own listeners attached before any more data can arrive.
			socket.off('data', onEarlyData);
			socket.off('end', onEarlyEnd);
			// What ws still refuses in the handshake (a malformed Sec-WebSocket-Protocol or -Extensions) is answered here.
			handshakeRefusals.set(socket, error => {
				refuseOnSocket(socket, error, requestId);
				finish(error.status);
			});
			sockets.handleUpgrade(request, socket, Buffer.concat(early), webSocket => {
				upgraded = true;
				// Frames the library refuses itself (invalid UTF-8, over twice the message limit) end the socket with
				// their close code; the session then unwinds as for any closed socket.
				webSocket.on('error', error => log.info({err: error.message}, 'interactive socket closed on a bad frame'));
				const closed = new Promise(resolve => webSocket.once('close', resolve));
				// The session's own log lines (a failure of the server's) carry its request id, as the line at its end does.
				void runSession(webSocket, slot?.user ?? null, {...deps.session, logger: log}, deps.shutdownSignal, outcome).finally(async () => {
					// The run is over and its directory gone; a client that does not answer the close is cut.
					const cut = setTimeout(() => webSocket.terminate(), 2000);
					await closed;
					clearTimeout(cut);
					finish(101);
				});
			});
		};

		serve().catch((error: unknown) => {
			log.error({err: error}, 'interactive upgrade failed');
			socket.destroy();
		});
	});
}
