// Requests Node's HTTP parser cannot read (a header section past 16 KiB, a malformed chunk, two Content-Lengths, …),
// and the few that Node answers itself before any handler sees them (an `Expect` it does not know, `CONNECT`), get an
// {error} answer like every other refusal: Node's own is a bare status with no body, or none at all.
import type {IncomingMessage, Server, ServerResponse} from 'node:http';
import type {Socket} from 'node:net';
import type {Duplex} from 'node:stream';
import {requestIdOf} from './context.ts';
import {AppError} from './errors.ts';
import {errorAnswer, refuseOnSocket} from './send.ts';

/** The answer to a request the parser refused, by the parser's code. */
export function clientErrorAnswer(code: string | undefined): AppError {
	switch (code) {
		case 'HPE_HEADER_OVERFLOW': {
			return new AppError(431, 'Request line and headers are larger than 16 KiB');
		}

		case 'ERR_HTTP_REQUEST_TIMEOUT': {
			return new AppError(408, 'Request was not received in time');
		}

		default: {
			return new AppError(400, `Malformed HTTP request${code === undefined ? '' : ` (${code})`}`);
		}
	}
}

/** An `{error}` answer on a response object no Koa context stands for. */
function refuse(request: IncomingMessage, response: ServerResponse, error: AppError): void {
	const {body, headers} = errorAnswer(error, requestIdOf(request.headers['x-request-id']));
	response.writeHead(error.status, headers);
	response.end(body);
}

/**
 * `counted`: each answer given here, by route and status, for the metrics (`unparsed` for what the parser refused,
 * `unmatched` for what no route saw): no Koa context counts them. Not logged: a flood of them costs the log nothing.
 */
export function answerClientErrors(server: Server, counted: (route: string, status: number) => void = () => {}): void {
	// Node answers an `Expect` other than 100-continue with a bare 417 unless told otherwise.
	server.on('checkExpectation', (request: IncomingMessage, response: ServerResponse) => {
		refuse(request, response, new AppError(417, `Expect: ${request.headers.expect ?? ''} is not supported (only 100-continue)`));
		counted('unmatched', 417);
	});
	// Without a listener Node drops a CONNECT without a word; it is a method no path implements.
	server.on('connect', (request: IncomingMessage, socket: Duplex) => {
		refuseOnSocket(socket, new AppError(501, `Method not implemented: CONNECT ${request.url ?? ''}`), requestIdOf(request.headers['x-request-id']));
		counted('unmatched', 501);
	});
	server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
		// As Node does: an answer only on a connection nothing has been written to yet (never into another's answer).
		if (error.code !== 'ECONNRESET' && socket.writable && socket.bytesWritten === 0) {
			const answer = clientErrorAnswer(error.code);
			refuseOnSocket(socket, answer);
			counted('unparsed', answer.status);
			return;
		}

		socket.destroy();
	});
}
