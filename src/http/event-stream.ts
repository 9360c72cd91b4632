import type {AppContext} from './context.ts';
import {sendDeadline} from './send.ts';

/** Server-Sent Events on a Koa response that Koa no longer answers itself. */
export interface EventStream {
	send(event: string, data: unknown): void;
	end(): void;
}

/**
 * Sends the status line and headers at once and hands the response over: from here on, failures are told in-band.
 * A comment every `heartbeatMs` keeps proxies from closing a quiet stream. A client that stops reading for
 * `sendTimeoutMs` while events wait for it is cut off.
 */
export function openEventStream(ctx: AppContext, heartbeatMs: number, sendTimeoutMs: number): EventStream {
	ctx.respond = false;
	ctx.status = 200;
	const {res} = ctx;
	res.writeHead(200, {
		'Content-Type': 'text/event-stream; charset=utf-8',
		'Cache-Control': 'no-cache, no-transform',
		// nginx would otherwise buffer the stream.
		'X-Accel-Buffering': 'no',
	});
	ctx.req.socket.setNoDelay(true);
	res.flushHeaders();
	const deadline = sendDeadline(res, sendTimeoutMs, ctx.state.log);
	// The access log's `responseBytes`: Koa knows no length of a response it does not send itself.
	ctx.state.streamedBytes = 0;
	const write = (text: string) => {
		if (!res.writableEnded && !res.destroyed) {
			ctx.state.streamedBytes = (ctx.state.streamedBytes ?? 0) + Buffer.byteLength(text);
			if (!res.write(text)) {
				deadline.arm();
			}
		}
	};

	const heartbeat = setInterval(() => write(': keep-alive\n\n'), heartbeatMs);
	heartbeat.unref();
	return {
		// JSON.stringify escapes newlines, so one `data:` line holds the whole event.
		send: (event, data) => write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`),
		end() {
			clearInterval(heartbeat);
			if (!res.writableEnded) {
				res.end();
				deadline.arm();
			}
		},
	};
}
