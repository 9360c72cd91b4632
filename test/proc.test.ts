import test from 'ava';
import {bootOffsetTicks, mountOf} from '../src/proc.ts';

const mountinfo = [
	'22 1 0:21 / / rw,relatime - overlay overlay rw',
	'30 22 0:25 / /tmp rw,nosuid,nodev,noexec,relatime - tmpfs tmpfs rw,size=524288k',
	'31 22 0:26 / /tmp2 rw,relatime - tmpfs tmpfs rw',
	'32 22 0:27 / /srv/my\\040jobs rw,noexec - tmpfs tmpfs rw',
].join('\n');

test('the longest mount point that contains the path, with its options', t => {
	t.deepEqual(mountOf('/tmp/c_exec_x', mountinfo), {point: '/tmp', options: ['rw', 'nosuid', 'nodev', 'noexec', 'relatime']});
	t.is(mountOf('/tmp', mountinfo)?.point, '/tmp');
	t.is(mountOf('/tmp2/a', mountinfo)?.point, '/tmp2', 'a mount point that only starts with the same letters does not count');
	t.is(mountOf('/opt/c-runner', mountinfo)?.point, '/');
});

test('escaped mount points are read back', t => {
	t.true(mountOf('/srv/my jobs/x', mountinfo)?.options.includes('noexec'));
});

test('the last mount on the same point wins', t => {
	t.deepEqual(mountOf('/tmp/x', `${mountinfo}\n40 30 0:30 / /tmp rw,relatime - tmpfs tmpfs rw`)?.options, ['rw', 'relatime']);
});

test('a time namespace\'s boot-time offset in /proc\'s ticks, from /proc/self/timens_offsets', t => {
	t.is(bootOffsetTicks('monotonic           0         0\nboottime            0         0\n'), 0);
	t.is(bootOffsetTicks('monotonic           5         0\nboottime        86400         0\n'), 8_640_000);
	t.is(bootOffsetTicks('monotonic           0         0\nboottime           -3 990000000\n'), -201, '-3 s + 0.99 s');
	t.is(bootOffsetTicks(''), 0, 'no time namespaces in this kernel');
});
