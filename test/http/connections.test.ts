import {EventEmitter} from 'node:events';
import type {Server} from 'node:http';
import test from 'ava';
import type {Logger} from 'pino';
import {connectionCap, defaultMaxConnections, limitConnections, openFilesLimit, reservedDescriptors} from '../../src/http/connections.ts';

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

test('connections closed past the cap are logged again ten seconds later, even when the clock was set back meanwhile', t => {
	const server = new EventEmitter() as unknown as Server;
	const logged: unknown[] = [];
	limitConnections(server, 1, {warn: (fields: unknown) => logged.push(fields)} as unknown as Logger);
	server.emit('drop');
	t.is(logged.length, 1);
	// Eleven seconds pass, and the time of day is set an hour back (NTP, `date -s`) meanwhile.
	const [realNow, realPerformanceNow] = [Date.now, performance.now];
	const [wallAt, monotonicAt] = [Date.now(), performance.now()];
	Date.now = () => wallAt + 11_000 - 3_600_000;
	performance.now = () => monotonicAt + 11_000;
	try {
		server.emit('drop');
	} finally {
		Date.now = realNow;
		performance.now = realPerformanceNow;
	}

	t.deepEqual(logged, [{dropped: 1, maxConnections: 1}, {dropped: 1, maxConnections: 1}]);
});
