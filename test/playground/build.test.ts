import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
// @ts-expect-error: a plain JavaScript script of the set-up, without types.
import {bundledLicenses, playgroundBuild} from '../../scripts/build-playground.mjs';

const read = (file: string) => fs.readFileSync(path.join(playgroundBuild as string, file), 'utf8');

test('the served license file holds the license of every package the script bundles, CodeMirror\'s included', t => {
	// The packages the page imports, and those they bring: each must be named with its own license text.
	const legal = read('app.js.LEGAL.txt');
	for (const name of ['@xterm/xterm', 'codemirror', '@codemirror/view', '@codemirror/state', '@lezer/common', 'style-mod', 'w3c-keyname', 'crelt']) {
		t.true(legal.includes(`\n${name}:\n`), `${name} is not named in app.js.LEGAL.txt`);
	}

	t.regex(legal, /Marijn Haverbeke[\s\S]*Permission is hereby granted/);
});

test('a bundled package without a license file fails the build, rather than being served without its notice', t => {
	const modules = fs.mkdtempSync(path.join(playgroundBuild as string, '..', 'modules-'));
	try {
		fs.mkdirSync(path.join(modules, '@scope', 'bare'), {recursive: true});
		fs.mkdirSync(path.join(modules, 'licensed'));
		fs.writeFileSync(path.join(modules, 'licensed', 'LICENSE.md'), 'MIT, by someone\n');
		t.is((bundledLicenses as (inputs: string[], modules: string) => string)(['node_modules/licensed/index.js', 'playground/main.js'], modules), 'licensed:\n\nMIT, by someone\n');
		t.throws(() => (bundledLicenses as (inputs: string[], modules: string) => string)(['node_modules/@scope/bare/dist/index.js'], modules), {message: /@scope\/bare ships no license file/});
	} finally {
		fs.rmSync(modules, {recursive: true, force: true});
	}
});
