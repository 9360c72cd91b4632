// Every request shown in API.md is sent to the real server (default limits) and its documented response is checked,
// so the document cannot drift from the behaviour. See the comment at the top of API.md's examples for the rules.
import fs from 'node:fs';
import path from 'node:path';
import test, {type ExecutionContext} from 'ava';
import {answerSchema, compileSchema, eventSchemas, schemaErrors} from '../helpers/openapi.ts';
import {assertHostClean, projectRoot, startServer, type RunningServer} from '../helpers/server.ts';

interface DocExample {
	readonly line: number;
	readonly request: {method: string; path: string; headers: Record<string, string>; body: string};
	readonly response: {status: number; headers: Record<string, string>; body: unknown; shapeOnly: boolean; events: DocEvent[] | null};
}

interface DocEvent {
	readonly event: string;
	readonly data: unknown;
}

/** Measured figures: the document shows real values, the test checks only that they are numbers. */
const measured = new Set(['time_ms', 'cpu_ms', 'memory_kb']);
/** The same figures as Turbo's strings: checked for their form only. */
const measuredText: Record<string, RegExp> = {time: /^\d+ms$/, memory: /^(?:\d+\.\dMB|unknown)$/};
const uuid = '[\\da-f]{8}-[\\da-f]{4}-4[\\da-f]{3}-[89ab][\\da-f]{3}-[\\da-f]{12}';

function parseHttp(text: string) {
	const [head, ...rest] = text.split('\n\n');
	const [first, ...headerLines] = head!.split('\n');
	const headers: Record<string, string> = {};
	for (const line of headerLines.filter(line => line.trim() !== '')) {
		const colon = line.indexOf(':');
		headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
	}

	return {first: first!, headers, body: rest.join('\n\n').trim()};
}

/** Server-Sent Events: blocks separated by a blank line, with `event:` and `data:` lines; comments skipped. */
function parseEvents(text: string): DocEvent[] {
	return text.split(/\n\n+/).map(block => block.split('\n').filter(line => !line.startsWith(':'))).filter(lines => lines.length > 0 && lines[0] !== '').map(lines => {
		const field = (name: string) => lines.find(line => line.startsWith(`${name}: `))?.slice(name.length + 2);
		return {event: field('event') ?? 'message', data: JSON.parse(field('data') ?? 'null')};
	});
}

function readDocExamples(markdown: string): DocExample[] {
	const blocks = [...markdown.matchAll(/^```http (request|response(?: shape| stream)?)\n([\s\S]*?)^```$/gm)];
	const examples: DocExample[] = [];
	for (let index = 0; index < blocks.length; index += 2) {
		const request = blocks[index]!;
		const response = blocks[index + 1];
		if (request[1] !== 'request' || !response?.[1]!.startsWith('response')) {
			throw new Error(`API.md: an http request block must be followed by its http response block (near offset ${request.index})`);
		}

		const parsedRequest = parseHttp(request[2]!);
		const [method, requestPath] = parsedRequest.first.split(' ');
		const parsedResponse = parseHttp(response[2]!);
		examples.push({
			line: markdown.slice(0, request.index).split('\n').length,
			request: {method: method!, path: requestPath!, headers: parsedRequest.headers, body: parsedRequest.body},
			response: {
				status: Number(parsedResponse.first.split(' ')[1]),
				headers: parsedResponse.headers,
				body: response[1] === 'response stream' ? null : JSON.parse(parsedResponse.body),
				shapeOnly: response[1] === 'response shape',
				events: response[1] === 'response stream' ? parseEvents(parsedResponse.body) : null,
			},
		});
	}

	return examples;
}

/** Compares a real JSON value with the documented one; `<uuid>` in a documented string stands for any uuid. */
function compare(t: ExecutionContext, actual: unknown, documented: unknown, where: string, shapeOnly: boolean) {
	if (typeof documented === 'object' && documented !== null && !Array.isArray(documented)) {
		t.true(typeof actual === 'object' && actual !== null, `${where}: an object`);
		const actualObject = actual as Record<string, unknown>;
		t.deepEqual(Object.keys(actualObject).sort(), Object.keys(documented).sort(), `${where}: the same fields`);
		for (const [key, value] of Object.entries(documented)) {
			if (measured.has(key)) {
				t.true(actualObject[key] === null || typeof actualObject[key] === 'number', `${where}.${key}: measured`);
			} else if (key in measuredText) {
				t.regex(String(actualObject[key]), measuredText[key]!, `${where}.${key}: measured`);
			} else {
				compare(t, actualObject[key], value, `${where}.${key}`, shapeOnly);
			}
		}
	} else if (Array.isArray(documented)) {
		t.true(Array.isArray(actual), `${where}: an array`);
		t.is((actual as unknown[]).length, documented.length, `${where}: the same length`);
		for (const [index, item] of documented.entries()) {
			compare(t, (actual as unknown[])[index], item, `${where}[${index}]`, shapeOnly);
		}
	} else if (shapeOnly) {
		t.is(typeof actual, typeof documented, `${where}: type`);
	} else if (typeof documented === 'string' && documented.includes('<uuid>')) {
		const pattern = documented.split('<uuid>').map(part => part.replaceAll(/[.*+?^${}()|[\]\\]/g, '\\$&')).join(uuid);
		t.regex(String(actual), new RegExp(`^${pattern}$`), where);
	} else {
		t.deepEqual(actual, documented, where);
	}
}

const examples = readDocExamples(fs.readFileSync(path.join(projectRoot, 'API.md'), 'utf8'));

let server: RunningServer;
test.before(async () => {
	// The default limits and job root, as the document describes them.
	server = await startServer({uidBase: 62_400, jobRoot: '/tmp', defaultLimits: true});
});
test.after.always(async () => {
	await server?.stop();
});

test('API.md has runnable examples', t => {
	t.true(examples.length >= 10, `found ${examples.length}`);
});

for (const example of examples) {
	test.serial(`API.md line ${example.line}: ${example.request.method} ${example.request.path}`, async t => {
		const {request, response} = example;
		const init: RequestInit = {method: request.method, headers: request.headers};
		if (request.body !== '') {
			init.body = request.body;
		}

		const actual = await fetch(`${server.url}${request.path}`, init);
		t.is(actual.status, response.status);
		for (const [name, value] of Object.entries(response.headers)) {
			t.is(actual.headers.get(name), value, `header ${name}`);
		}

		const schema = answerSchema(request.method, request.path, actual.status, actual.headers.get('content-type') ?? '');
		t.not(schema, null, 'the OpenAPI document describes this answer');
		if (response.events === null) {
			const body: unknown = await actual.json();
			compare(t, body, response.body, 'body', response.shapeOnly);
			const validate = compileSchema(schema!);
			t.true(validate(body), `the answer matches OpenAPI's ${schema}: ${schemaErrors(validate)}`);
		} else {
			const events = parseEvents(await actual.text());
			for (const event of events) {
				const validate = compileSchema(eventSchemas[event.event]!);
				t.true(validate(event.data), `the ${event.event} event matches OpenAPI's ${eventSchemas[event.event]}: ${schemaErrors(validate)}`);
			}

			t.deepEqual(events.map(event => event.event), response.events.map(event => event.event), 'the same events in the same order');
			for (const [index, event] of response.events.entries()) {
				compare(t, events[index]?.data, event.data, `event ${index} (${event.event})`, response.shapeOnly);
			}
		}

		assertHostClean(t, server);
	});
}
