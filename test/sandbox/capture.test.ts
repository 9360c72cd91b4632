import {PassThrough} from 'node:stream';
import test from 'ava';
import {CappedCapture} from '../../src/sandbox/capture.ts';

test('kept up to the cap exactly; one byte more is an overflow, told once, and nothing after it is kept', async t => {
	let overflows = 0;
	const kept: string[] = [];
	const capture = new CappedCapture(10, () => overflows++, chunk => kept.push(chunk.toString()));
	const stream = new PassThrough();
	const done = capture.collect(stream);
	stream.write('12345');
	stream.write('67890abc');
	stream.write('more');
	stream.end();
	await done;
	t.is(Buffer.concat(capture.chunks).toString(), '1234567890');
	t.is(capture.size, 10);
	t.true(capture.overflowed);
	t.is(overflows, 1);
	t.deepEqual(kept, ['12345', '67890']);
});

test('under the cap: everything, no overflow', async t => {
	const capture = new CappedCapture(10, () => t.fail('no overflow'));
	const stream = new PassThrough();
	const done = capture.collect(stream);
	stream.end('1234567890');
	await done;
	t.is(Buffer.concat(capture.chunks).toString(), '1234567890');
	t.false(capture.overflowed);
});
