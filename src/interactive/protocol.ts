import os from 'node:os';
import {jsonShapeProblem} from '../http/json-body.ts';
import {RequestError} from '../job/errors.ts';
import {parseExecuteRequest, requireObject, type ExecuteRequest} from '../job/parse-request.ts';

/** The WebSocket close codes of an interactive session; API.md lists them. */
export const closeCodes = {
	/** The run ended and its `exit` message was sent. */
	done: 1000,
	/** The server is shutting down; the run was cancelled. */
	shuttingDown: 1001,
	/** A bad message (or none in time): an `error` message says which. */
	badMessage: 1008,
	/** A message over the size limit. */
	tooBig: 1009,
	/** The server itself failed; details only in its log. */
	internal: 1011,
	/** The job root cannot take the run's files now (full or read-only); an `error` message says so. */
	tryAgainLater: 1013,
} as const;

/** What a client may ask the program to receive, and the signal each one sends to its process group. */
export const clientSignals = {
	interrupt: os.constants.signals.SIGINT,
	terminate: os.constants.signals.SIGTERM,
	kill: os.constants.signals.SIGKILL,
} as const;

export type ClientSignal = keyof typeof clientSignals;

export type ClientMessage =
	| {readonly type: 'start'; readonly request: ExecuteRequest}
	| {readonly type: 'stdin'; readonly data: string}
	| {readonly type: 'eof'}
	| {readonly type: 'signal'; readonly signal: ClientSignal};

/** A message the server answers with an `error` message and the close code given. */
export class ProtocolError extends Error {
	readonly closeCode: number;

	constructor(message: string, closeCode: number = closeCodes.badMessage) {
		super(message);
		this.name = 'ProtocolError';
		this.closeCode = closeCode;
	}
}

const messageTypes = ['start', 'stdin', 'eof', 'signal'];

/** One client message, validated. Pure: throws a ProtocolError naming what is wrong. */
export function parseClientMessage(raw: Buffer, isBinary: boolean, maxBytes: number): ClientMessage {
	if (raw.length > maxBytes) {
		throw new ProtocolError(`Message is larger than ${maxBytes} bytes`, closeCodes.tooBig);
	}

	if (isBinary) {
		throw new ProtocolError('Messages must be text frames holding JSON');
	}

	// The shapes an HTTP body may not have cost JSON.parse as much here, and a message is as large as a body.
	const text = raw.toString('utf8');
	const problem = jsonShapeProblem(text);
	if (problem !== null) {
		throw new ProtocolError(`Message ${problem}`);
	}

	let body: unknown;
	try {
		body = JSON.parse(text);
	} catch {
		throw new ProtocolError('Message is not valid JSON');
	}

	try {
		const object = requireObject(body);
		const {type} = object;
		if (typeof type !== 'string' || !messageTypes.includes(type)) {
			throw new ProtocolError(`Unknown message type ${JSON.stringify(type ?? null)}: expected one of ${messageTypes.join(', ')}`);
		}

		if (type === 'start') {
			return {type, request: parseExecuteRequest(object)};
		}

		if (type === 'stdin') {
			if (typeof object['data'] !== 'string') {
				throw new ProtocolError('Field \'data\' of a stdin message must be a string');
			}

			return {type, data: object['data']};
		}

		if (type === 'signal') {
			const signal = object['signal'];
			if (typeof signal !== 'string' || !Object.hasOwn(clientSignals, signal)) {
				throw new ProtocolError(`Field 'signal' must be one of ${Object.keys(clientSignals).join(', ')}`);
			}

			return {type, signal: signal as ClientSignal};
		}

		return {type: 'eof'};
	} catch (error) {
		// A start message is checked as a POST /execute_c body is, with the same messages.
		throw error instanceof RequestError ? new ProtocolError(error.message.replace('Request body', 'Message')) : error;
	}
}

/** The largest input frame the pseudo-terminal relay takes (sandbox/c-runner-pty.c, FRAME_MAX). */
export const relayFrameMax = 65_536;

/** Input for the relay's stdin: `d`, a 4-byte big-endian length, the bytes; split into frames it accepts. */
export function inputFrames(data: Buffer): Buffer[] {
	const frames: Buffer[] = [];
	for (let offset = 0; offset < data.length; offset += relayFrameMax) {
		const part = data.subarray(offset, offset + relayFrameMax);
		const header = Buffer.alloc(5);
		header[0] = 'd'.charCodeAt(0);
		header.writeUInt32BE(part.length, 1);
		frames.push(header, part);
	}

	return frames;
}

export const endOfInputFrame = Buffer.from('e');

export const signalFrame = (signal: number) => Buffer.from([...Buffer.from('s'), signal]);
