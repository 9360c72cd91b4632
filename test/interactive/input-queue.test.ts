import test from 'ava';
import {InputQueue} from '../../src/interactive/input-queue.ts';

test('bytes come out in the order they went in, across blocks, as one buffer; the queue is empty after', t => {
	const queue = new InputQueue();
	const sent: Buffer[] = [];
	for (let index = 0; index < 5000; index++) {
		const part = Buffer.from(`${index},`);
		sent.push(part);
		queue.push(part);
	}

	queue.push(Buffer.alloc(40_000, 'z'));
	sent.push(Buffer.alloc(40_000, 'z'));
	const whole = Buffer.concat(sent);
	t.is(queue.bytes, whole.length);
	t.true(queue.take().equals(whole));
	t.is(queue.bytes, 0);
	t.is(queue.take().length, 0);
});

test('unshift puts its bytes before what was queued', t => {
	const queue = new InputQueue();
	queue.push(Buffer.from('typed during the compile'));
	queue.unshift(Buffer.from('start stdin; '));
	t.is(queue.take().toString(), 'start stdin; typed during the compile');
	queue.unshift(Buffer.from('alone'));
	t.is(queue.take().toString(), 'alone');
});
