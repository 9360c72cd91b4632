import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import {ConfigError, judge0ResultBytes, loadConfig} from '../src/config.ts';
import {goldLinker} from '../src/job/language.ts';
import {projectRoot} from './helpers/server.ts';

test('defaults keep the reference\'s behaviour', t => {
	const config = loadConfig({});
	t.is(config.port, 5555);
	t.is(config.host, '127.0.0.1');
	t.is(config.jobRoot, '/tmp');
	t.is(config.token, null);
	t.is(config.run.wallMs, 10_000);
	t.true(config.run.cpuMs >= config.run.wallMs, 'a CPU limit below the wall limit would stop spinners early');
	t.is(config.concurrency, Math.max(4, 2 * os.availableParallelism()));
	t.is(config.queueLength, 4 * config.concurrency);
	t.is(config.outputBytes, 1024 * 1024);
	t.true(Object.isFrozen(config));
});

test('every variable is read', t => {
	const config = loadConfig({
		PORT: '8080', HOST: '0.0.0.0', C_RUNNER_TOKEN: 'a-token-of-sixteen+', C_RUNNER_JOB_ROOT: '/var/tmp/jobs',
		C_RUNNER_CONCURRENCY: '3', C_RUNNER_QUEUE_LENGTH: '0', C_RUNNER_UID_BASE: '70000', C_RUNNER_OUTPUT_BYTES: '4096',
		C_RUNNER_RUN_WALL_MS: '2000', C_RUNNER_RUN_MEMORY_MB: '64', C_RUNNER_COMPILE_PROCESSES: '20', LOG_LEVEL: 'warn',
	});
	t.like(config, {port: 8080, host: '0.0.0.0', token: 'a-token-of-sixteen+', jobRoot: '/var/tmp/jobs', concurrency: 3, queueLength: 0, uidBase: 70_000, outputBytes: 4096, logLevel: 'warn'});
	t.like(config.run, {wallMs: 2000, memoryMb: 64});
	t.like(config.compile, {processes: 20, wallMs: 10_000});
});

test('every bad value is reported at once', t => {
	const error = t.throws(() => loadConfig({
		PORT: 'eighty', C_RUNNER_RUN_WALL_MS: '-5', C_RUNNER_RUN_MEMORY_MB: '1.5', C_RUNNER_JOB_ROOT: 'relative/dir', LOG_LEVEL: 'loud', C_RUNNER_TOKEN: 'short',
	}), {instanceOf: ConfigError});
	t.is(error?.problems.length, 6);
	t.regex(error?.message ?? '', /PORT="eighty": expected a whole number from 0 to 65535/);
	t.regex(error?.message ?? '', /C_RUNNER_RUN_WALL_MS="-5"/);
	t.regex(error?.message ?? '', /C_RUNNER_RUN_MEMORY_MB="1.5"/);
	t.regex(error?.message ?? '', /C_RUNNER_JOB_ROOT="relative\/dir": expected an absolute path/);
	t.regex(error?.message ?? '', /LOG_LEVEL="loud"/);
	t.regex(error?.message ?? '', /C_RUNNER_TOKEN: expected at least 16 characters/);
});

test('out-of-range numbers are refused', t => {
	t.throws(() => loadConfig({C_RUNNER_CONCURRENCY: '0'}), {message: /C_RUNNER_CONCURRENCY="0"/});
	t.throws(() => loadConfig({C_RUNNER_RUN_PROCESSES: '99999'}), {message: /C_RUNNER_RUN_PROCESSES/});
});

test('a Judge0 store that cannot hold one submission\'s largest result is refused, naming what it must hold', t => {
	t.throws(() => loadConfig({C_RUNNER_JUDGE0_STORE_BYTES: String(1024 * 1024)}), {message: /C_RUNNER_JUDGE0_STORE_BYTES=1048576: expected at least what one submission's result can take, 6295552 \(C_RUNNER_RESPONSE_BYTES \+ 2 × C_RUNNER_OUTPUT_BYTES \+ 4096\)/});
	t.is(loadConfig({C_RUNNER_JUDGE0_STORE_BYTES: String(1024 * 1024), C_RUNNER_RESPONSE_BYTES: String(64 * 1024), C_RUNNER_OUTPUT_BYTES: String(64 * 1024)}).judge0.storeBytes, 1024 * 1024, 'smaller answers and outputs: it holds some');
	t.true(loadConfig({}).judge0.storeBytes >= 10 * judge0ResultBytes(loadConfig({})), 'the defaults hold ten at least');
});

test('per-request maxima and judge settings have defaults and are read', t => {
	const defaults = loadConfig({C_RUNNER_CONCURRENCY: '8'});
	t.deepEqual(defaults.runMax, {cpuMs: 10_000, memoryMb: 1024});
	t.deepEqual(defaults.judge, {maxTests: 200, maxTestBytes: 1024 * 1024, resultBytes: 64 * 1024, parallel: 4, concurrent: 8, cpuMs: 2000, budgetMs: 60_000});
	const set = loadConfig({C_RUNNER_RUN_MAX_CPU_MS: '3000', C_RUNNER_RUN_MAX_MEMORY_MB: '128', C_RUNNER_JUDGE_MAX_TESTS: '5', C_RUNNER_JUDGE_PARALLEL: '1', C_RUNNER_JUDGES: '3', C_RUNNER_JUDGE_CPU_MS: '500', C_RUNNER_JUDGE_BUDGET_MS: '9000'});
	t.deepEqual(set.runMax, {cpuMs: 3000, memoryMb: 128});
	t.like(set.judge, {maxTests: 5, parallel: 1, concurrent: 3, cpuMs: 500, budgetMs: 9000});
	t.throws(() => loadConfig({C_RUNNER_JUDGE_BUDGET_MS: '10'}), {message: /C_RUNNER_JUDGE_BUDGET_MS/});
});

test('CORS origins: off by default, a trimmed list, and nothing that is not an origin', t => {
	t.deepEqual(loadConfig({}).corsOrigins, []);
	t.deepEqual(loadConfig({C_RUNNER_CORS_ORIGINS: ' https://a.example.com ,http://localhost:3000,'}).corsOrigins, ['https://a.example.com', 'http://localhost:3000']);
	const error = t.throws(() => loadConfig({C_RUNNER_CORS_ORIGINS: 'https://a.example.com/docs,example.com'}), {instanceOf: ConfigError});
	t.is(error?.problems.length, 2);
});

test('allowed hosts: unset by default (chosen by the address listened on), or a list of names; nothing that is not a host name', t => {
	t.is(loadConfig({}).allowedHosts, null);
	t.is(loadConfig({HOST: '0.0.0.0'}).allowedHosts, null);
	t.deepEqual(loadConfig({C_RUNNER_ALLOWED_HOSTS: ' Runner.Example.com ,*.internal.example,'}).allowedHosts, ['runner.example.com', '*.internal.example']);
	t.deepEqual(loadConfig({HOST: '0.0.0.0', C_RUNNER_ALLOWED_HOSTS: 'c-runner,::1,10.0.0.5'}).allowedHosts, ['c-runner', '::1', '10.0.0.5'], 'an IP address may be listed (it is allowed anyway)');
	const error = t.throws(() => loadConfig({C_RUNNER_ALLOWED_HOSTS: 'https://runner.example.com,runner.example.com:5555,ok.example.com'}), {instanceOf: ConfigError});
	t.is(error?.problems.length, 2);
});

test('the sandbox /proc policy: auto by default, or forced', t => {
	t.is(loadConfig({}).sandboxProc, 'auto');
	t.is(loadConfig({C_RUNNER_SANDBOX_PROC: 'none'}).sandboxProc, 'none');
	t.throws(() => loadConfig({C_RUNNER_SANDBOX_PROC: 'host'}), {instanceOf: ConfigError});
});

test('the linker: gold where the host has it (this one does), or ld.bfd when told', t => {
	t.true(fs.existsSync(goldLinker), 'binutils\' gold on this host');
	t.is(loadConfig({}).linker, 'gold');
	t.is(loadConfig({C_RUNNER_LINKER: 'auto'}).linker, 'gold');
	t.is(loadConfig({C_RUNNER_LINKER: 'gold'}).linker, 'gold');
	t.is(loadConfig({C_RUNNER_LINKER: 'bfd'}).linker, 'bfd');
	t.throws(() => loadConfig({C_RUNNER_LINKER: 'mold'}), {message: /C_RUNNER_LINKER="mold": expected one of auto, gold, bfd/});
});

test('interactive runs and the playground: defaults, and read', t => {
	const defaults = loadConfig({C_RUNNER_CONCURRENCY: '8'});
	t.deepEqual(defaults.interactive, {enabled: true, idleMs: 60_000, wallMs: 300_000, sessions: 4});
	t.true(defaults.playground);
	t.true(defaults.relayPath.endsWith('/sandbox/build/c-runner-pty'));
	const set = loadConfig({C_RUNNER_INTERACTIVE: 'off', C_RUNNER_INTERACTIVE_IDLE_MS: '5000', C_RUNNER_INTERACTIVE_WALL_MS: '60000', C_RUNNER_INTERACTIVE_SESSIONS: '2', C_RUNNER_PLAYGROUND: 'off', C_RUNNER_PTY_RELAY: '/opt/pty'});
	t.deepEqual(set.interactive, {enabled: false, idleMs: 5000, wallMs: 60_000, sessions: 2});
	t.false(set.playground);
	t.is(set.relayPath, '/opt/pty');
	t.throws(() => loadConfig({C_RUNNER_PLAYGROUND: 'yes'}), {message: /C_RUNNER_PLAYGROUND="yes": expected one of on, off/});
	t.throws(() => loadConfig({C_RUNNER_PTY_RELAY: 'pty'}), {message: /C_RUNNER_PTY_RELAY="pty": expected an absolute path/});
});

test('answer bounds: a text budget per answer and a send timeout, with defaults, read, and range-checked', t => {
	t.like(loadConfig({}), {responseBytes: 4 * 1024 * 1024, sendTimeoutMs: 30_000});
	t.like(loadConfig({C_RUNNER_RESPONSE_BYTES: '65536', C_RUNNER_SEND_TIMEOUT_MS: '1500'}), {responseBytes: 65_536, sendTimeoutMs: 1500});
	const error = t.throws(() => loadConfig({C_RUNNER_RESPONSE_BYTES: '1000', C_RUNNER_SEND_TIMEOUT_MS: '0'}), {instanceOf: ConfigError});
	t.is(error?.problems.length, 2);
});

test('a cap on connections: automatic by default, or read and range-checked', t => {
	t.like(loadConfig({}), {maxConnections: null});
	t.like(loadConfig({C_RUNNER_MAX_CONNECTIONS: '200'}), {maxConnections: 200});
	t.throws(() => loadConfig({C_RUNNER_MAX_CONNECTIONS: '0'}), {instanceOf: ConfigError});
});

test('a receive timeout for whole requests, with a default, read, and range-checked', t => {
	t.like(loadConfig({}), {receiveTimeoutMs: 30_000});
	t.like(loadConfig({C_RUNNER_RECEIVE_TIMEOUT_MS: '1500'}), {receiveTimeoutMs: 1500});
	t.throws(() => loadConfig({C_RUNNER_RECEIVE_TIMEOUT_MS: '10'}), {instanceOf: ConfigError});
});

test('the README\'s configuration tables name exactly the variables config.ts reads, and the limits\' defaults', t => {
	const readme = fs.readFileSync(path.join(projectRoot, 'README.md'), 'utf8');
	const source = fs.readFileSync(path.join(projectRoot, 'src', 'config.ts'), 'utf8');
	const section = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('\n## ', readme.indexOf('## Configuration') + 1));
	const documented = [...section.matchAll(/^\| `([A-Z][A-Z\d_]*)` \|/gm)].map(match => match[1]!);
	const read = [...source.matchAll(/'((?:C_RUNNER_[A-Z\d_]+)|PORT|HOST|LOG_LEVEL)'/g)].map(match => match[1]!);
	const suffixes = [...source.matchAll(/^\t\['\w+', '([A-Z_]+)', \{/gm)].map(match => match[1]!);
	t.true(suffixes.length >= 8, 'the limit rows are read');
	t.deepEqual([...new Set(documented)].sort(), [...new Set([...read, ...suffixes])].sort());
	const config = loadConfig({});
	const rows = [...section.matchAll(/^\| `([A-Z_]+)` \| `(\d+)` \| `(\d+)` \|/gm)];
	t.is(rows.length, suffixes.length, 'a row of defaults per limit');
	for (const row of rows) {
		const key = (Object.entries({WALL_MS: 'wallMs', CPU_MS: 'cpuMs', MEMORY_MB: 'memoryMb', PROCESSES: 'processes', FILE_SIZE_MB: 'fileSizeMb', DISK_MB: 'diskMb', OPEN_FILES: 'openFiles', STACK_MB: 'stackMb'}) as Array<[string, keyof typeof config.run]>).find(([suffix]) => suffix === row[1])?.[1];
		t.truthy(key, row[1]);
		t.is(config.run[key!], Number(row[2]), `${row[1]}: the run default`);
		t.is(config.compile[key!], Number(row[3]), `${row[1]}: the compile default`);
	}
});
