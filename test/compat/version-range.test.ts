import test from 'ava';
import {satisfies} from '../../src/compat/version-range.ts';

// What node-semver's satisfies('12.2.0', range) answers, which Piston asks of each runtime's version.
const matches = test.macro({
	exec(t, range: string, expected: boolean) {
		t.is(satisfies('12.2.0', range), expected, range);
	},
	title: (_provided, range: string, expected: boolean) => `${JSON.stringify(range)} ${expected ? 'matches' : 'does not match'} 12.2.0`,
});

for (const range of ['*', '', 'x', '12', '12.2', '12.2.0', 'v12.2.0', '=12.2.0', '12.x', '12.2.x', '12.*', '^12', '^12.1', '^12.2.0', '~12', '~12.2',
	'~12.2.0', '>=10', '>= 12.2.0', '>12.1.9', '>11', '<13', '<=12.2', '<=12.2.0', '>=10 <13', '10 - 12', '12.0 - 12.2', '11 || 12', '^11 || ^12', '>=0.0.0']) {
	test(matches, range, true);
}

for (const range of ['11', '12.1', '12.2.1', '13.x', '^11', '^12.3', '~12.1', '>12.2.0', '>12', '>12.2', '<12.2.0', '<12', '<=12.1', '>=13', '10 - 11',
	'11 || 13', '>*', '<*', 'latest', '12.2.0.1', '12.a', '>>12', '^0.12']) {
	test(matches, range, false);
}

test('a version that is not a plain x.y.z (gcc\'s could not be read) is in no range', t => {
	t.false(satisfies('unknown', '*'));
});
