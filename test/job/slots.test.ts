import test from 'ava';
import {BusyError} from '../../src/job/errors.ts';
import {Slots} from '../../src/job/slots.ts';

const users = [{uid: 61_000, gid: 61_000}, {uid: 61_001, gid: 61_001}];
const never = new AbortController().signal;

test('each slot has its own user; a freed slot goes to the first waiter', async t => {
	const slots = new Slots(users, 2);
	const first = await slots.acquire(never);
	const second = await slots.acquire(never);
	t.deepEqual([first.user, second.user], users);
	const waiting = slots.acquire(never);
	t.like(slots.stats, {capacity: 2, running: 2, queued: 1});
	first.release();
	first.release(); // a second release changes nothing
	const third = await waiting;
	t.is(third.user, users[0]!);
	t.like(slots.stats, {running: 2, queued: 0});
	second.release();
	third.release();
	t.like(slots.stats, {running: 0, queued: 0});
});

test('past the queue: 503 with Retry-After', async t => {
	const slots = new Slots(users.slice(0, 1), 1);
	await slots.acquire(never);
	void slots.acquire(never);
	const error = await t.throwsAsync(slots.acquire(never), {instanceOf: BusyError});
	t.is(error?.retryAfterSeconds, 1, 'the HTTP layer makes it a 503 with Retry-After: 1');
});

test('a slot finishing its clean-ups: a request may wait for it past a full queue, one request a finishing slot', async t => {
	const slots = new Slots(users.slice(0, 1), 0);
	const held = await slots.acquire(never);
	await t.throwsAsync(slots.acquire(never), {instanceOf: BusyError}, 'no queue: busy while the job runs');
	held.finishing();
	held.finishing(); // told twice, counted once
	const waiting = slots.acquire(never);
	t.like(slots.stats, {running: 1, queued: 1});
	await t.throwsAsync(slots.acquire(never), {instanceOf: BusyError}, 'the finishing slot is promised to the one waiting');
	held.release();
	const next = await waiting;
	t.like(slots.stats, {running: 1, queued: 0});
	await t.throwsAsync(slots.acquire(never), {instanceOf: BusyError}, 'its release ended the allowance');
	next.release();
	held.finishing(); // after its release: nothing
	t.like(slots.stats, {running: 0, queued: 0});
	await t.throwsAsync((async () => {
		const again = await slots.acquire(never);
		await slots.acquire(never).finally(() => again.release());
	})(), {instanceOf: BusyError}, 'a released slot told it finishes adds no place');
});

test('a waiter whose client goes away leaves the queue', async t => {
	const slots = new Slots(users.slice(0, 1), 4);
	const held = await slots.acquire(never);
	const controller = new AbortController();
	const waiting = slots.acquire(controller.signal);
	controller.abort(new Error('gone'));
	await t.throwsAsync(waiting, {message: 'gone'});
	t.like(slots.stats, {queued: 0});
	held.release();
	t.like(slots.stats, {running: 0});
});

test('an admitted request\'s job waits in the same FIFO queue but is never refused for a full queue', async t => {
	const slots = new Slots(users.slice(0, 1), 1);
	const held = await slots.acquire(never);
	const order: string[] = [];
	const earlier = slots.acquire(never).then(slot => {
		order.push('earlier request');
		slot.release();
	});
	await t.throwsAsync(slots.acquire(never), {instanceOf: BusyError}, 'a new request is refused');
	const admitted = slots.acquire(never, {admitted: true}).then(slot => {
		order.push('admitted job');
		slot.release();
	});
	t.like(slots.stats, {queued: 2, queueLength: 1});
	held.release();
	await Promise.all([earlier, admitted]);
	t.deepEqual(order, ['earlier request', 'admitted job']);
});

test('onQueued is told at once when the caller is let into the queue; not when it gets a slot at once, nor when it is refused', async t => {
	const slots = new Slots(users.slice(0, 1), 1);
	const told: string[] = [];
	const held = await slots.acquire(never, {onQueued: () => told.push('first')});
	t.deepEqual(told, [], 'a free slot: no wait to tell');
	const waiting = slots.acquire(never, {onQueued: () => told.push('second')});
	t.deepEqual(told, ['second'], 'told before the slot comes');
	await t.throwsAsync(slots.acquire(never, {onQueued: () => told.push('third')}), {instanceOf: BusyError});
	t.deepEqual(told, ['second'], 'a refused caller is not told');
	held.release();
	(await waiting).release();
	t.deepEqual(told, ['second'], 'told once');
});

test('an onQueued that throws gives the place back: the next slot released is not lost', async t => {
	const slots = new Slots(users.slice(0, 1), 2);
	const held = await slots.acquire(never);
	await t.throwsAsync(slots.acquire(never, {
		onQueued() {
			throw new Error('the stream could not begin');
		},
	}), {message: 'the stream could not begin'});
	t.like(slots.stats, {running: 1, queued: 0});
	held.release();
	t.like(slots.stats, {running: 0, queued: 0});
	(await slots.acquire(never)).release();
});

test('whenIdle: at once with no slot held, else once the last held one is released (not when a waiter takes it)', async t => {
	const slots = new Slots(users.slice(0, 1), 1);
	await slots.whenIdle();
	const held = await slots.acquire(never);
	let idle = false;
	void slots.whenIdle().then(() => {
		idle = true;
	});
	const waiting = slots.acquire(never);
	held.release();
	const next = await waiting;
	await new Promise(resolve => setImmediate(resolve));
	t.false(idle, 'the slot went straight to the waiter');
	next.release();
	await new Promise(resolve => setImmediate(resolve));
	t.true(idle);
});

test('a waiter that leaves twice (aborted by its onQueued, which then throws) gives back its own place only', async t => {
	const slots = new Slots(users.slice(0, 1), 4);
	const held = await slots.acquire(never);
	const first = slots.acquire(never);
	const controller = new AbortController();
	const second = slots.acquire(controller.signal, {
		onQueued() {
			controller.abort(new Error('client closed the connection'));
			throw new Error('could not say it is queued');
		},
	});
	await t.throwsAsync(second, {message: 'could not say it is queued'});
	t.like(slots.stats, {running: 1, queued: 1}, 'the first still waits');
	held.release();
	const slot = await first;
	t.is(slot.user, users[0]!);
	slot.release();
});
