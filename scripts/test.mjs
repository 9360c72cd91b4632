// `npm test`: the type check, then every ava test (unit, HTTP, integration through real gcc and bwrap).
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// The OpenAPI generators and linters that test/openapi-clients.test.ts runs: their own package (openapi-typescript
// needs TypeScript 5 beside the project's 7), installed here, for the tests only, when its lock file is newer.
const tools = path.join(root, 'test', 'openapi-clients');
const mtime = file => fs.statSync(file, {throwIfNoEntry: false})?.mtimeMs ?? 0;
if (mtime(path.join(tools, 'node_modules', '.package-lock.json')) < mtime(path.join(tools, 'package-lock.json'))) {
	process.stderr.write('test: installing the OpenAPI tools into test/openapi-clients\n');
	const installed = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], {stdio: 'inherit', cwd: tools});
	if (installed.status !== 0) {
		process.stderr.write('test: npm ci in test/openapi-clients failed\n');
		process.exit(1);
	}
}
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
