import test from 'ava';
import {headerToken, tokenChecker} from '../../src/http/token.ts';

test('the token a request presents: Bearer in any case, else X-Auth-Token; nothing else counts', t => {
	t.is(headerToken('Bearer abc', undefined), 'abc');
	t.is(headerToken('bearer abc', 'other'), 'abc', 'Authorization first');
	t.is(headerToken(undefined, 'xyz'), 'xyz');
	t.is(headerToken('Basic abc', 'xyz'), 'xyz');
	t.is(headerToken('Basic abc', undefined), null);
	t.is(headerToken(undefined, ''), null);
});

test('the check: the server\'s token exactly; any when it has none', t => {
	t.true(tokenChecker('a-long-enough-secret')('a-long-enough-secret'));
	t.false(tokenChecker('a-long-enough-secret')('A-LONG-ENOUGH-SECRET'));
	t.false(tokenChecker('a-long-enough-secret')(null));
	t.true(tokenChecker(null)(null));
});
