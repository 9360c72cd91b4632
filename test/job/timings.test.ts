import test from 'ava';
import {recordStage, StageTimings, timed, withTimings} from '../../src/job/timings.ts';

test('stages in their order, summed when repeated, as a Server-Timing header', async t => {
	const timings = new StageTimings();
	await withTimings(timings, async () => {
		recordStage('run', 2);
		recordStage('queue', 0.04);
		recordStage('run', 1.06);
		await timed('cleanup', async () => {});
	});
	recordStage('parse', 5);
	t.deepEqual(Object.keys(timings.toJSON()), ['queue', 'run', 'cleanup'], 'what was recorded outside the request is not its');
	t.is(timings.toJSON().run, 3.1);
	t.regex(timings.header(), /^queue;dur=0, run;dur=3\.1, cleanup;dur=\d+(?:\.\d)?$/);
});

test('a stage that throws is timed all the same', async t => {
	const timings = new StageTimings();
	await t.throwsAsync(withTimings(timings, async () => timed('workspace', async () => {
		throw new Error('no room');
	})), {message: 'no room'});
	t.true('workspace' in timings.toJSON());
});
