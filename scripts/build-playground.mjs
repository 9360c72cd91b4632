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

export async function buildPlayground() {
	const {build} = await import('esbuild');
	fs.rmSync(playgroundBuild, {recursive: true, force: true});
	await build({
		entryPoints: {app: path.join(root, 'playground', 'main.js')},
		bundle: true,
		format: 'esm',
		minify: true,
		target: ['chrome110', 'firefox115', 'safari16'],
		outdir: playgroundBuild,
		legalComments: 'linked',
		logLevel: 'warning',
	});
	await build({
		entryPoints: {app: path.join(root, 'playground', 'style.css')},
		bundle: true,
		minify: true,
		outdir: playgroundBuild,
		logLevel: 'warning',
	});
	fs.copyFileSync(path.join(root, 'playground', 'index.html'), path.join(playgroundBuild, 'index.html'));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
	await buildPlayground();
}
