// Requests Node's HTTP parser cannot read (a header section past 16 KiB, a malformed chunk, two Content-Lengths, …)
// get an {error} answer like every other refusal: Node's own is a 400 or 431 with no body.
import type {Server} from 'node:http';
import type {Socket} from 'node:net';
import {AppError} from './errors.ts';
import {refuseOnSocket} from './send.ts';

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

export function answerClientErrors(server: Server): void {
	server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
		// As Node does: an answer only on a connection nothing has been written to yet (never into another's answer).
		if (error.code !== 'ECONNRESET' && socket.writable && socket.bytesWritten === 0) {
			refuseOnSocket(socket, clientErrorAnswer(error.code));
			return;
		}

		socket.destroy();
	});
}
