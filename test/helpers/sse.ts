import http from 'node:http';

export interface ServerSentEvent {
	readonly event: string;
	readonly data: any;
	/** Milliseconds since the request was sent. */
	readonly at: number;
}

export interface EventStreamResponse {
	readonly status: number;
	readonly headers: http.IncomingHttpHeaders;
	/** The body as JSON when the answer is not a stream (an error before the stream began). */
	readonly body: any;
	/** The next event, or null once the stream has ended. Comments (`: …`) are counted, not returned. */
	next(): Promise<ServerSentEvent | null>;
	comments: number;
	close(): void;
}

/**
 * POSTs JSON with `Accept: text/event-stream` and reads the answer event by event, as a browser's EventSource
 * would: blocks separated by a blank line, `event:` and `data:` fields.
 */
export async function postEventStream(url: string, body: unknown): Promise<EventStreamResponse> {
	const started = performance.now();
	const request = http.request(url, {method: 'POST', headers: {'Content-Type': 'application/json', Accept: 'text/event-stream'}});
	request.end(JSON.stringify(body));
	const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
		request.once('response', resolve);
		request.once('error', reject);
	});
	if (!String(response.headers['content-type']).startsWith('text/event-stream')) {
		const chunks: Buffer[] = [];
		for await (const chunk of response) {
			chunks.push(chunk as Buffer);
		}

		return {status: response.statusCode!, headers: response.headers, body: JSON.parse(Buffer.concat(chunks).toString()), next: async () => null, comments: 0, close() {}};
	}

	response.setEncoding('utf8');
	let buffer = '';
	let ended = false;
	const waiting: Array<() => void> = [];
	const wake = () => {
		for (const resolve of waiting.splice(0)) {
			resolve();
		}
	};

	response.on('data', (chunk: string) => {
		buffer += chunk;
		wake();
	});
	response.on('end', () => {
		ended = true;
		wake();
	});
	response.on('error', () => {
		ended = true;
		wake();
	});
	const result: EventStreamResponse = {
		status: response.statusCode!,
		headers: response.headers,
		body: null,
		comments: 0,
		async next() {
			for (;;) {
				const end = buffer.indexOf('\n\n');
				if (end !== -1) {
					const block = buffer.slice(0, end);
					buffer = buffer.slice(end + 2);
					const lines = block.split('\n');
					if (lines.every(line => line.startsWith(':'))) {
						result.comments++;
						continue;
					}

					const field = (name: string) => lines.find(line => line.startsWith(`${name}: `))?.slice(name.length + 2);
					return {event: field('event') ?? 'message', data: JSON.parse(field('data') ?? 'null'), at: performance.now() - started};
				}

				if (ended) {
					return null;
				}

				await new Promise<void>(resolve => waiting.push(resolve));
			}
		},
		close() {
			request.destroy();
		},
	};
	return result;
}

/** Every event until the stream ends. */
export async function allEvents(stream: EventStreamResponse): Promise<ServerSentEvent[]> {
	const events: ServerSentEvent[] = [];
	for (let event = await stream.next(); event !== null; event = await stream.next()) {
		events.push(event);
	}

	return events;
}
