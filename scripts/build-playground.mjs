// Bundles the playground page (playground/) into playground/build/ with esbuild, from the npm packages in
// node_modules: the server serves these files and nothing else, so the page loads nothing from the internet.
//   node scripts/build-playground.mjs      (scripts/setup.mjs runs it when the sources are newer than the bundle)
// Plain JavaScript, like setup.mjs, so it runs on whatever Node the machine has.
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const playgroundSources = ['index.html', 'main.js', 'style.css'].map(name => path.join(root, 'playground', name));
export const playgroundBuild = path.join(root, 'playground', 'build');

/** What a whole build holds: one without all of them (a build cut short by an older set-up) is built again. */
export const playgroundOutputs = ['app.js', 'app.css', 'index.html', 'app.js.LEGAL.txt'].map(name => path.join(playgroundBuild, name));

/** Built beside playground/build and put in its place whole: a build cut short leaves no half-built page behind. */
export async function buildPlayground() {
	const {build, stop} = await import('esbuild');
	const partial = `${playgroundBuild}.partial-${process.pid}`;
	fs.rmSync(partial, {recursive: true, force: true});
	try {
		await bundle(build, partial);
	} catch (error) {
		fs.rmSync(partial, {recursive: true, force: true});
		throw error;
	} finally {
		// esbuild's service process would otherwise live as long as the process that asked for the build.
		await stop();
	}

	fs.rmSync(playgroundBuild, {recursive: true, force: true});
	fs.renameSync(partial, playgroundBuild);
}

/**
 * The packages the script bundles, each with the license file it ships: esbuild's linked file holds only the comments
 * marked `@license` or `/*!` (xterm.js's), and CodeMirror's packages have none, while their MIT license asks for its
 * notice in every copy.
 */
export function bundledLicenses(inputs, modules = path.join(root, 'node_modules')) {
	const packages = new Set();
	for (const input of inputs) {
		const name = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1];
		if (name !== undefined) {
			packages.add(name);
		}
	}

	return [...packages].sort().map(name => {
		const dir = path.join(modules, name);
		const file = fs.readdirSync(dir).find(entry => /^licen[cs]e(\.(md|txt))?$/i.test(entry));
		if (file === undefined) {
			throw new Error(`build-playground: ${name} ships no license file to serve with the script`);
		}

		return `${name}:\n\n${fs.readFileSync(path.join(dir, file), 'utf8').trim()}\n`;
	}).join('\n');
}

async function bundle(build, outdir) {
	const {metafile} = await build({
		entryPoints: {app: path.join(root, 'playground', 'main.js')},
		bundle: true,
		format: 'esm',
		minify: true,
		target: ['chrome110', 'firefox115', 'safari16'],
		outdir,
		legalComments: 'linked',
		metafile: true,
		logLevel: 'warning',
	});
	fs.appendFileSync(path.join(outdir, 'app.js.LEGAL.txt'), `\nLicense files of the bundled packages:\n\n${bundledLicenses(Object.keys(metafile.inputs))}`);
	await build({
		entryPoints: {app: path.join(root, 'playground', 'style.css')},
		bundle: true,
		minify: true,
		outdir,
		logLevel: 'warning',
	});
	fs.copyFileSync(path.join(root, 'playground', 'index.html'), path.join(outdir, 'index.html'));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
	await buildPlayground();
}
