// `npm test`: the type check, then every ava test (unit, HTTP, integration through real gcc and bwrap).
import {spawnSync} from 'node:child_process';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const steps = [
	['typecheck', ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json']],
	['tests', ['node_modules/ava/entrypoints/cli.mjs', ...process.argv.slice(2)]],
];

for (const [name, args] of steps) {
	process.stderr.write(`test: ${name}\n`);
	const result = spawnSync(process.execPath, args, {stdio: 'inherit', cwd: root});
	if (result.status !== 0) {
		process.stderr.write(`test: ${name} failed\n`);
		process.exit(result.status ?? 1);
	}
}
