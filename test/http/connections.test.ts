import test from 'ava';
import {connectionCap, defaultMaxConnections, openFilesLimit, reservedDescriptors} from '../../src/http/connections.ts';

const limits = (soft: string) => `Limit                     Soft Limit           Hard Limit           Units\nMax processes             4096                 4096                 processes\nMax open files            ${soft}                 1048576              files\n`;

test('the soft descriptor limit is read from /proc/self/limits', t => {
	t.is(openFilesLimit(limits('1024')), 1024);
	t.is(openFilesLimit(limits('unlimited')), Number.POSITIVE_INFINITY);
	t.is(openFilesLimit('nothing here'), null);
	t.true((openFilesLimit() ?? 0) > 0, 'this process\'s own');
});

test('the automatic cap is the default within what the descriptors leave after the reserve, never below 64', t => {
	const reserve = reservedDescriptors(4, 2);
	t.is(reserve, (16 * 6) + 128);
	t.deepEqual(connectionCap(null, 1_048_576, reserve), {cap: defaultMaxConnections, short: false});
	t.deepEqual(connectionCap(null, 1024, reserve), {cap: 1024 - reserve, short: false});
	t.deepEqual(connectionCap(null, 256, reserve), {cap: 64, short: true});
	t.deepEqual(connectionCap(null, null, reserve), {cap: defaultMaxConnections, short: false});
});

test('a configured cap is kept, and said to be short when it leaves less than the reserve', t => {
	t.deepEqual(connectionCap(5000, 1_048_576, 224), {cap: 5000, short: false});
	t.deepEqual(connectionCap(5000, 4096, 224), {cap: 5000, short: true});
});
