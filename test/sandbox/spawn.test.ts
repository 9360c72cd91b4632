import test from 'ava';
import {parseChildPid} from '../../src/sandbox/spawn.ts';

test('the helper pid is read from bwrap\'s info JSON', t => {
	t.is(parseChildPid('{\n    "child-pid": 3471,\n    "pid-namespace": 4026532181\n}\n'), 3471);
	t.is(parseChildPid('{\n    "child-pid": 34'), null, 'incomplete: not yet');
	t.is(parseChildPid('{"child-pid": 1}'), null, 'never the host init');
	t.is(parseChildPid('{"child-pid": "12"}'), null);
	t.is(parseChildPid('null'), null);
});
