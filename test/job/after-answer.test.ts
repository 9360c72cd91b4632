import test from 'ava';
import {pino} from 'pino';
import {afterAnswer, answerFirst} from '../../src/job/after-answer.ts';

/** A slot that records what it was told, in order. */
const recordingSlot = (told: string[]) => ({
	finishing() {
		told.push('finishing');
	},
	release() {
		told.push('released');
	},
});

test('clean-ups left by the job run after its result is back, in order, then the slot is released', async t => {
	const told: string[] = [];
	const result = await answerFirst(async () => {
		await afterAnswer(async () => told.push('first'));
		await afterAnswer(async () => {
			told.push('second');
			throw new Error('cannot');
		});
		await afterAnswer(async () => told.push('third'));
		told.push('answered');
		return 42;
	}, recordingSlot(told), pino({level: 'silent'}));
	t.is(result, 42);
	t.deepEqual(told, ['answered', 'finishing'], 'nothing cleaned up before the result is back');
	await new Promise(resolve => setImmediate(resolve));
	await new Promise(resolve => setImmediate(resolve));
	t.deepEqual(told, ['answered', 'finishing', 'first', 'second', 'third', 'released'], 'a failing one does not stop the next');
});

test('a job that left nothing, or failed, releases its slot; outside answerFirst and after the job returned, at once', async t => {
	const told: string[] = [];
	await t.throwsAsync(answerFirst(async () => {
		throw new Error('the job failed');
	}, recordingSlot(told), pino({level: 'silent'})), {message: 'the job failed'});
	t.deepEqual(told, ['released']);

	await afterAnswer(async () => told.push('at once'));
	t.deepEqual(told, ['released', 'at once'], 'outside a job: at once');

	// Work the job set off and did not wait for, leaving a clean-up once the job returned, has it run at once.
	let setOff: Promise<void> | undefined;
	await answerFirst(async () => {
		setOff = new Promise<void>(resolve => {
			setTimeout(resolve, 10);
		}).then(async () => afterAnswer(async () => told.push('late')));
	}, recordingSlot(told), pino({level: 'silent'}));
	await setOff;
	t.deepEqual(told, ['released', 'at once', 'released', 'late']);
});
