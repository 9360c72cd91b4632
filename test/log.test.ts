import test from 'ava';
import {recordingLogger} from './helpers/fake-app.ts';

test('an error\'s own code is logged as err.errorCode; a request\'s code fields stay redacted', t => {
	const {logger, entries} = recordingLogger();
	logger.error({err: Object.assign(new Error('ENOENT: no such file'), {code: 'ENOENT'})}, 'failed');
	logger.info({request: {code: 'int main(void) { return 0; }'}}, 'request');
	t.like(entries[0], {err: {type: 'Error', message: 'ENOENT: no such file', errorCode: 'ENOENT'}});
	t.deepEqual(entries[1]?.['request'], {code: '[Redacted]'});
});

test('err given as a string or another value is logged as it is, not taken apart; a code in it stays redacted', t => {
	const {logger, entries} = recordingLogger();
	logger.warn({err: String(new Error('EACCES: permission denied'))}, 'a string');
	logger.warn({err: {code: 'int main(void) { return 0; }', reason: 'not an error'}}, 'an object');
	logger.warn({err: null}, 'nothing');
	t.is(entries[0]?.['err'], 'Error: EACCES: permission denied');
	t.deepEqual(entries[1]?.['err'], {code: '[Redacted]', reason: 'not an error'});
	t.is(entries[2]?.['err'], null);
});
