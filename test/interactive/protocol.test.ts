import test from 'ava';
import {closeCodes, endOfInputFrame, inputFrames, parseClientMessage, ProtocolError, relayFrameMax, signalFrame} from '../../src/interactive/protocol.ts';
import {originAllowed} from '../../src/http/cors.ts';
import {subprotocolToken} from '../../src/interactive/upgrade.ts';

const parse = (text: string, isBinary = false, maxBytes = 1000) => parseClientMessage(Buffer.from(text), isBinary, maxBytes);

test('the four client messages', t => {
	t.like(parse('{"type": "start", "code": "int main(void) { return 0; }", "args": "a \'b c\'", "time_limit_ms": 500}'), {type: 'start', request: {args: ['a', 'b c'], stdin: null, limits: {timeLimitMs: 500, memoryLimitMb: null}}});
	t.deepEqual(parse('{"type": "stdin", "data": "Ada\\n"}'), {type: 'stdin', data: 'Ada\n'});
	t.deepEqual(parse('{"type": "eof"}'), {type: 'eof'});
	t.deepEqual(parse('{"type": "signal", "signal": "interrupt"}'), {type: 'signal', signal: 'interrupt'});
});

const refused = test.macro((t, text: string, message: RegExp, closeCode: number = closeCodes.badMessage, isBinary: boolean = false) => {
	const error = t.throws(() => parse(text, isBinary), {instanceOf: ProtocolError});
	t.regex(error?.message ?? '', message);
	t.is(error?.closeCode, closeCode);
});

test('not JSON', refused, '{"type":', /^Message is not valid JSON$/);
test('a binary frame', refused, '{"type": "eof"}', /text frames/, closeCodes.badMessage, true);
test('not an object', refused, '"eof"', /^Message must be a JSON object$/);
test('no type', refused, '{}', /^Unknown message type null/);
test('an unknown type', refused, '{"type": "resize"}', /^Unknown message type "resize": expected one of start, stdin, eof, signal$/);
test('oversize', refused, `{"type": "stdin", "data": "${'x'.repeat(1000)}"}`, /^Message is larger than 1000 bytes$/, closeCodes.tooBig);
test('a shape that costs JSON.parse far more than its size, as for an HTTP body', refused, `{"type": "stdin", "data": "x", "a": ${'['.repeat(33)}${']'.repeat(33)}}`, /^Message is nested more than 32 levels deep$/);
test('stdin without data', refused, '{"type": "stdin"}', /^Field 'data' of a stdin message must be a string$/);
test('an unknown signal', refused, '{"type": "signal", "signal": "SIGHUP"}', /^Field 'signal' must be one of interrupt, terminate, kill$/);
test('an inherited name is no signal', refused, '{"type": "signal", "signal": "toString"}', /^Field 'signal'/);
test('a start as /execute_c checks it', refused, '{"type": "start", "code": ""}', /^Field 'code' must not be empty$/);

test('relay frames: input split at the relay\'s frame size, end-of-input, signals', t => {
	const data = Buffer.alloc(relayFrameMax + 10, 'a');
	const frames = inputFrames(data);
	t.is(frames.length, 4);
	t.deepEqual([...frames[0]!], [0x64, 0, 1, 0, 0]);
	t.is(frames[1]!.length, relayFrameMax);
	t.deepEqual([...frames[2]!], [0x64, 0, 0, 0, 10]);
	t.deepEqual(inputFrames(Buffer.alloc(0)), []);
	t.deepEqual([...endOfInputFrame], [0x65]);
	t.deepEqual([...signalFrame(2)], [0x73, 2]);
});

test('origins: none (not a browser), the server\'s own, the allow-list; nothing else', t => {
	t.true(originAllowed(undefined, '127.0.0.1:5555', []));
	t.true(originAllowed('http://127.0.0.1:5555', '127.0.0.1:5555', []));
	t.true(originAllowed('https://runner.example.com', 'runner.example.com', []), 'behind a TLS proxy');
	t.true(originAllowed('https://docs.example.com', '127.0.0.1:5555', ['https://docs.example.com']));
	t.true(originAllowed('https://any.example.net', '127.0.0.1:5555', ['*']));
	t.false(originAllowed('https://evil.example.net', '127.0.0.1:5555', ['https://docs.example.com']));
	t.false(originAllowed('http://127.0.0.1:5556', '127.0.0.1:5555', []), 'another port is another origin');
	t.false(originAllowed('null', '127.0.0.1:5555', []), 'a sandboxed frame or a file: page');
	t.false(originAllowed('http://127.0.0.1:5555', undefined, []));
});

test('a token offered as a subprotocol', t => {
	const token = 'a token/with+odd=chars';
	t.is(subprotocolToken(`c-runner, bearer.${Buffer.from(token).toString('base64url')}`), token);
	t.is(subprotocolToken('c-runner'), null);
	t.is(subprotocolToken(undefined), null);
});
