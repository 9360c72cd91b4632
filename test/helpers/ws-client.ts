import {WebSocket} from 'ws';
import type {RunningServer} from './server.ts';

export interface Received {
	/** performance.now() when the message arrived. */
	readonly at: number;
	readonly message: Record<string, any>;
}

/** A real WebSocket client for one interactive session: every message kept with its arrival time. */
export class SessionClient {
	readonly socket: WebSocket;
	readonly received: Received[] = [];
	readonly closed: Promise<{code: number; reason: string}>;
	readonly opened: Promise<void>;
	#waiters: Array<() => void> = [];

	constructor(socket: WebSocket) {
		this.socket = socket;
		socket.on('message', (data: Buffer) => {
			this.received.push({at: performance.now(), message: JSON.parse(data.toString('utf8')) as Record<string, any>});
			this.#wake();
		});
		this.opened = new Promise((resolve, reject) => {
			socket.once('open', () => resolve());
			socket.once('error', reject);
		});
		// A refused upgrade is looked at through refusedUpgrade, not through this.
		this.opened.catch(() => {});
		this.closed = new Promise(resolve => {
			socket.once('close', (code, reason) => {
				this.#wake();
				resolve({code, reason: reason.toString()});
			});
		});
	}

	#wake() {
		for (const waiter of this.#waiters.splice(0)) {
			waiter();
		}
	}

	send(message: Record<string, unknown>) {
		this.socket.send(JSON.stringify(message));
	}

	/** Everything the program wrote to stdout so far. */
	stdout(): string {
		return this.received.filter(entry => entry.message['type'] === 'stdout').map(entry => entry.message['data'] as string).join('');
	}

	/** Waits until a message passes `test` (or the socket closes, or the time runs out: then it throws). */
	async waitFor(test: (entry: Received) => boolean, what: string, timeoutMs = 15_000): Promise<Received> {
		const deadline = performance.now() + timeoutMs;
		for (;;) {
			const found = this.received.find(test);
			if (found) {
				return found;
			}

			if (this.socket.readyState === WebSocket.CLOSED || performance.now() > deadline) {
				throw new Error(`no ${what}; received: ${JSON.stringify(this.received.map(entry => entry.message)).slice(0, 2000)}`);
			}

			await new Promise<void>(resolve => {
				const timer = setTimeout(resolve, Math.max(0, deadline - performance.now()) + 1);
				this.#waiters.push(() => {
					clearTimeout(timer);
					resolve();
				});
			});
		}
	}

	async waitForType(type: string, timeoutMs?: number) {
		return (await this.waitFor(entry => entry.message['type'] === type, `${type} message`, timeoutMs)).message;
	}

	/** Waits for the stdout message with which the program's stdout first contains `text`. */
	async waitForStdout(text: string, timeoutMs?: number) {
		const completes = (entry: Received) => {
			const upTo = this.received.slice(0, this.received.indexOf(entry) + 1);
			return entry.message['type'] === 'stdout' && upTo.filter(each => each.message['type'] === 'stdout').map(each => each.message['data'] as string).join('').includes(text);
		};

		return this.waitFor(completes, `stdout containing ${JSON.stringify(text)}`, timeoutMs);
	}
}

export interface ConnectOptions {
	readonly token?: string;
	readonly origin?: string;
	readonly protocols?: string[];
	readonly path?: string;
	readonly requestId?: string;
	/** The `Host` header, when not the server's own address. */
	readonly host?: string;
}

export const wsUrl = (server: RunningServer, path = '/interactive') => `${server.url.replace(/^http/, 'ws')}${path}`;

export function connect(server: RunningServer, options: ConnectOptions = {}): SessionClient {
	const headers: Record<string, string> = {};
	if (options.token !== undefined) {
		headers['Authorization'] = `Bearer ${options.token}`;
	}

	if (options.host !== undefined) {
		headers['Host'] = options.host;
	}

	if (options.requestId !== undefined) {
		headers['X-Request-Id'] = options.requestId;
	}

	return new SessionClient(new WebSocket(wsUrl(server, options.path), options.protocols ?? [], {headers, ...(options.origin === undefined ? {} : {origin: options.origin})}));
}

/** An upgrade the server refused: its HTTP status and JSON body. */
export async function refusedUpgrade(server: RunningServer, options: ConnectOptions = {}): Promise<{status: number; body: Record<string, any>; headers: Record<string, unknown>}> {
	const client = connect(server, options);
	return new Promise((resolve, reject) => {
		client.socket.once('open', () => reject(new Error('the upgrade was accepted')));
		client.socket.once('unexpected-response', (_request, response) => {
			let body = '';
			response.on('data', (chunk: Buffer) => {
				body += chunk.toString('utf8');
			});
			response.on('end', () => resolve({status: response.statusCode ?? 0, body: JSON.parse(body) as Record<string, any>, headers: response.headers}));
		});
		client.socket.on('error', () => {});
	});
}
