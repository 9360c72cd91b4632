// Every request shown in API.md is sent to the real server (default limits) and its documented response is checked,
// so the document cannot drift from the behaviour. See the comment at the top of API.md's examples for the rules.
import fs from 'node:fs';
import path from 'node:path';
import test, {type ExecutionContext} from 'ava';
import {openApiDocument} from '../../src/openapi.ts';
import {schemaAt} from '../helpers/openapi.ts';
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

/** Measured figures: the document shows real values, the test checks only that they are numbers (Piston's too). */
const measured = new Set(['time_ms', 'cpu_ms', 'memory_kb', 'cpu_time', 'wall_time']);
/**
 * The same figures as Turbo's strings ("12ms", "1.3MB"), and Judge0's (time "0.001" in seconds, memory a number of
 * KB; Piston's memory a number of bytes): checked for their form only.
 */
const measuredText: Record<string, RegExp> = {time: /^(?:\d+ms|\d+\.\d{3}|null)$/, memory: /^(?:\d+\.\dMB|unknown|\d+|null)$/};
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

/** Validates a value against the schema at a JSON pointer of the document; compiled once per pointer. */
function validateAt(t: ExecutionContext, pointer: string, value: unknown, what: string) {
	const validate = schemaAt(pointer);
	t.true(validate(value), `${what} matches the OpenAPI schema at ${pointer}: ${JSON.stringify(validate.errors, null, 2)}`);
}

const escapePointer = (part: string) => part.replaceAll('~', '~0').replaceAll('/', '~1');

/** The object at a JSON pointer of the document, `$ref`s followed, and the pointer where it really is. */
function dereference(pointer: string): {pointer: string; value: Record<string, any>} | null {
	let value: any = openApiDocument;
	for (const part of pointer.split('/').slice(1)) {
		value = value?.[part.replaceAll('~1', '/').replaceAll('~0', '~')];
	}

	if (typeof value?.$ref === 'string') {
		return dereference((value.$ref as string).replace(/^#/, ''));
	}

	return value === undefined ? null : {pointer, value};
}

/**
 * Where the document describes an answer: the response of its operation for the status. A path the document does not
 * list answers NotFound, a method it does not list on a listed path MethodNotAllowed, as its description says.
 */
function documentedAnswer(t: ExecutionContext, method: string, requestPath: string, status: number) {
	const route = requestPath.split('?')[0]!;
	const item = (openApiDocument.paths as Record<string, Record<string, unknown>>)[route];
	if (item?.[method.toLowerCase()] === undefined) {
		t.is(status, item === undefined ? 404 : 405, 'the answer for what the document does not list');
		return dereference(`/components/responses/${item === undefined ? 'NotFound' : 'MethodNotAllowed'}`);
	}

	return dereference(`/paths/${escapePointer(route)}/${method.toLowerCase()}/responses/${status}`);
}

/** A real answer against its description: the documented headers, then the body (or each event) by content type. */
function checkAgainstDocument(t: ExecutionContext, request: DocExample['request'], actual: Response, body: unknown, events: DocEvent[] | null) {
	const answer = documentedAnswer(t, request.method, request.path, actual.status);
	if (answer === null) {
		t.fail(`the OpenAPI document describes no ${actual.status} answer to ${request.method} ${request.path}`);
		return;
	}

	for (const name of Object.keys(answer.value['headers'] ?? {})) {
		const header = dereference(`${answer.pointer}/headers/${escapePointer(name)}`)!;
		const value = actual.headers.get(name);
		if (value === null) {
			t.false(header.value['required'] === true, `the documented header ${name} is there`);
		} else {
			validateAt(t, `${header.pointer}/schema`, value, `the header ${name}`);
		}
	}

	const mediaType = (actual.headers.get('content-type') ?? '').split(';')[0]!.trim();
	const content = `${answer.pointer}/content/${escapePointer(mediaType)}`;
	t.truthy(answer.value['content']?.[mediaType], `the answer is documented as ${mediaType}`);
	if (events === null) {
		validateAt(t, `${content}/schema`, body, 'the body');
	} else {
		for (const [index, event] of events.entries()) {
			t.truthy(answer.value['content']?.[mediaType]?.['x-event-schemas']?.[event.event], `the event ${event.event} is documented`);
			validateAt(t, `${content}/x-event-schemas/${event.event}`, event.data, `event ${index} (${event.event})`);
		}
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

test('GET /openapi.json answers the OpenAPI document, whole', async t => {
	const actual = await fetch(`${server.url}/openapi.json`);
	t.is(actual.status, 200);
	const body: unknown = await actual.json();
	t.deepEqual(body, JSON.parse(JSON.stringify(openApiDocument)));
	checkAgainstDocument(t, {method: 'GET', path: '/openapi.json', headers: {}, body: ''}, actual, body, null);
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

		if (response.events === null) {
			const body: unknown = await actual.json();
			compare(t, body, response.body, 'body', response.shapeOnly);
			checkAgainstDocument(t, request, actual, body, null);
		} else {
			const events = parseEvents(await actual.text());
			checkAgainstDocument(t, request, actual, null, events);
			t.deepEqual(events.map(event => event.event), response.events.map(event => event.event), 'the same events in the same order');
			for (const [index, event] of response.events.entries()) {
				compare(t, events[index]?.data, event.data, `event ${index} (${event.event})`, response.shapeOnly);
			}
		}

		await assertHostClean(t, server);
	});
}
