import v8 from 'node:v8';
import vm from 'node:vm';
import test from 'ava';
import {cutText, TextBudget} from '../../src/job/answer-size.ts';

const sent = (text: string) => Buffer.byteLength(JSON.stringify(text)) - 2;

test('cutText never splits a character', t => {
	t.deepEqual(cutText('abc', 3), {text: 'abc', cut: false, bytes: 3});
	t.deepEqual(cutText('aé', 2), {text: 'a', cut: true, bytes: 1});
	t.deepEqual(cutText('aéb', 3), {text: 'aé', cut: true, bytes: 3});
	t.deepEqual(cutText('a😀', 4), {text: 'a', cut: true, bytes: 1});
});

test('cutText counts bytes as JSON sends them and never splits an escape', t => {
	t.deepEqual(cutText('\0\0', 6), {text: '\0', cut: true, bytes: 6});
	t.deepEqual(cutText('\0\0', 11), {text: '\0', cut: true, bytes: 6});
	t.deepEqual(cutText('a\nb"\\', 8), {text: 'a\nb"\\', cut: false, bytes: 8});
	t.deepEqual(cutText('a\nb"\\', 7), {text: 'a\nb"', cut: true, bytes: 6});
	t.deepEqual(cutText('\uD800x', 6), {text: '\uD800', cut: true, bytes: 6}, 'a lone surrogate is sent as \\uD800');
	t.deepEqual(cutText('\u007F\u2028', 4), {text: '\u007F\u2028', cut: false, bytes: 4});
});

test('cutText: what is kept is a prefix whose encoding fits, and one more character would not (random texts)', t => {
	const alphabet = ['a', '\0', '\n', '"', '\\', '\u001F', 'é', '€', '😀', '\uD800', '\uDC00', ' ', '\t', '\u007F', '\uFFFD'];
	let seed = 7;
	const random = (below: number) => {
		seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
		return seed % below;
	};

	for (let round = 0; round < 500; round++) {
		const text = Array.from({length: random(40)}, () => alphabet[random(alphabet.length)]).join('');
		const max = random(120);
		const {text: kept, cut, bytes} = cutText(text, max);
		t.true(text.startsWith(kept));
		t.is(bytes, sent(kept));
		t.true(bytes <= max);
		t.is(cut, kept !== text);
		if (cut) {
			const next = text.codePointAt(kept.length)!;
			t.true(sent(text.slice(0, kept.length + String.fromCodePoint(next).length)) > max, JSON.stringify({text, max}));
		}
	}
});

test('TextBudget charges each text in turn; once spent, texts are cut to empty', t => {
	const budget = new TextBudget(14);
	t.deepEqual(budget.take('hello'), {text: 'hello', cut: false});
	t.deepEqual(budget.take('\0\0', 100), {text: '\0', cut: true});
	t.deepEqual(budget.take('abcdef', 2), {text: 'ab', cut: true});
	t.is(budget.left, 1);
	t.deepEqual(budget.take('xy'), {text: 'x', cut: true});
	t.deepEqual(budget.take('anything'), {text: '', cut: true});
	t.deepEqual(budget.take(''), {text: '', cut: false});
});

test('what TextBudget keeps does not hold the text it was cut from', t => {
	v8.setFlagsFromString('--expose-gc');
	const gc = vm.runInNewContext('gc') as () => void;
	gc();
	const kept: string[] = [];
	const budget = new TextBudget(Number.MAX_SAFE_INTEGER);
	const used = () => process.memoryUsage().heapUsed + process.memoryUsage().external;
	const before = used();
	for (let index = 0; index < 50; index++) {
		const output = Buffer.alloc(1024 * 1024, 97 + (index % 20)).toString('utf8');
		kept.push(budget.take(output.trimEnd().slice(0, 65_536)).text);
	}

	gc();
	t.is(kept.length, 50);
	t.true(kept.every(text => text.length === 65_536));
	const grown = used() - before;
	t.true(grown < 40 * 1024 * 1024, `${Math.round(grown / 1024 / 1024)} MiB kept: about 50 × 64 KiB, not 50 × 1 MiB`);
});
