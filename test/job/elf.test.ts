import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import {staticMemoryKb} from '../../src/job/elf.ts';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'c-runner-elf-'));
test.after.always(() => {
	fs.rmSync(scratch, {recursive: true, force: true});
});

function build(name: string, code: string) {
	const source = path.join(scratch, `${name}.c`);
	fs.writeFileSync(source, code);
	execFileSync('/usr/bin/gcc', ['-O2', '-o', path.join(scratch, name), source]);
	return path.join(scratch, name);
}

test('a 400 MB static array counts; a small program does not', async t => {
	const big = await staticMemoryKb(build('big', 'int a[100000000];\nint main(int argc, char **argv) { a[argc] = 1; return a[1]; }\n')) ?? -1;
	t.true(big >= 390_625 && big < 391_000, `${big} KiB`);
	const small = await staticMemoryKb(build('small', 'int main(void) { return 0; }\n')) ?? -1;
	t.true(small > 0 && small < 64, `${small} KiB`);
});

test('a 400 MB thread-local array counts: the initial thread\'s block is allocated before main', async t => {
	const big = await staticMemoryKb(build('tls', '__thread int a[100000000];\nint main(int argc, char **argv) { a[argc] = 1; return a[1]; }\n')) ?? -1;
	t.true(big >= 390_625 && big < 391_000, `${big} KiB`);
});

test('a file that is not ELF64 gives 0', async t => {
	fs.writeFileSync(path.join(scratch, 'text'), 'not a program at all, just some text that is long enough to read a header from it');
	t.is(await staticMemoryKb(path.join(scratch, 'text')), 0);
});

test('no regular file at the name gives null: none, a link to a program, a FIFO (read without blocking)', async t => {
	t.is(await staticMemoryKb(path.join(scratch, 'absent')), null);
	fs.symlinkSync(build('linked', 'int main(void) { return 0; }\n'), path.join(scratch, 'link'));
	t.is(await staticMemoryKb(path.join(scratch, 'link')), null);
	execFileSync('mkfifo', [path.join(scratch, 'fifo')]);
	t.is(await staticMemoryKb(path.join(scratch, 'fifo')), null);
});
