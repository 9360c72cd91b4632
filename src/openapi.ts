import fs from 'node:fs';
import {runStatuses} from './job/result.ts';
import {maxArgs, maxFiles} from './job/parse-request.ts';
import {testVerdicts} from './judge/verdict.ts';
import {compatPaths, compatSchemas} from './openapi-compat.ts';
import {compilerNames} from './job/language.ts';

/**
 * The API as an OpenAPI 3.1 document, served at `GET /openapi.json`. Schemas use the OpenAPI 3.1 default dialect
 * (JSON Schema 2020-12). Response schemas are strict — every field required, no others — because the server always
 * sends every field: the tests validate real answers against them, so a field added or dropped in the code without
 * this document (and API.md) fails there.
 */

// Read at module load: the document names the version the server runs, without a build step.
const {version} = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {version: string};

const json = 'application/json';
const schema = (name: string) => ({$ref: `#/components/schemas/${name}`});
const response = (name: string) => ({$ref: `#/components/responses/${name}`});
const requestIdHeader = {'X-Request-Id': {$ref: '#/components/headers/RequestId'}};

/** The largest integer the server accepts where it checks `Number.isSafeInteger`. */
const maxSafeInteger = Number.MAX_SAFE_INTEGER;

// The enums and bounds come from the code that enforces them.

const sourceCode = {
	type: 'string',
	minLength: 1,
	pattern: '^[^\\u0000]*$',
	description: 'The source, one file (source.c, or source.cpp for C++). Must not be empty, only whitespace, or contain NUL bytes.',
};

/** "c" or "cpp" in any case (a JSON Schema pattern has no flags). */
const languagePattern = '^([cC]|[cC][pP][pP])$';

/** What a request gives the compiler besides `code`: the same fields on /execute_c and /judge_c. */
const programFields = {
	files: {
		type: ['array', 'null'],
		minItems: 1,
		maxItems: maxFiles,
		description: 'Several files instead of `code`: every file of the language (*.c; for C++ *.cc, *.cpp, *.cxx, *.C) is compiled, in '
			+ 'this order, into one program; the others (headers) are only there to be included.',
		items: {
			type: 'object',
			required: ['name', 'content'],
			properties: {
				name: {type: 'string', maxLength: 100, pattern: '^[A-Za-z0-9_][A-Za-z0-9_.+-]*$', description: 'A plain file name: no directory, not `source` nor `stdin`, unique.'},
				content: {type: 'string', pattern: '^[^\\u0000]*$'},
			},
		},
	},
	language: {type: ['string', 'null'], pattern: languagePattern, description: '"c" (default) or "cpp", in any case.'},
	std: {
		type: ['string', 'null'],
		description: 'The language standard. C: c89, c90, c99, c11, c17, c18, c23 (gcc 12\'s c2x) and their gnu dialects (gnu17 the '
			+ 'default); C++: c++98 ... c++23 and their gnu++ dialects (gnu++17 the default).',
	},
	optimize: {
		oneOf: [{type: 'string', enum: ['0', '1', '2', '3', 's']}, {type: 'integer', enum: [0, 1, 2, 3]}, {type: 'null'}],
		description: '-O level; default "2".',
	},
	compiler: {
		type: ['string', 'null'],
		enum: [...compilerNames, null],
		description: '"gcc" (default; g++ for C++) or "tcc", for C only: tcc compiles some ten times faster, makes slower code (no '
			+ 'optimisation: `optimize` is ignored) and warns of less.',
	},
};

/** Slots of one kind in use and requests waiting for one: `/health`'s `slots` and `judges`. */
const queueStats = {
	type: 'object',
	required: ['capacity', 'running', 'queued', 'queueLength'],
	properties: {
		capacity: {type: 'integer', minimum: 1},
		running: {type: 'integer', minimum: 0},
		queued: {type: 'integer', minimum: 0},
		queueLength: {type: 'integer', minimum: 0},
	},
	additionalProperties: false,
} as const;

const compileCached = {type: 'boolean', description: 'The compile\'s result (program or diagnostics) came from the compile cache: no compiler ran for this request.'} as const;

/** `code` or `files`, one of the two. */
const codeOrFiles = [
	{type: 'object', required: ['code'], properties: {code: {type: 'string'}}},
	{type: 'object', required: ['files'], properties: {files: {type: 'array', items: {type: 'object', additionalProperties: true}}}},
];

/** A per-request limit: a whole number of at least 1, or null for the server's default. */
const requestedLimit = (description: string) => ({type: ['integer', 'null'], minimum: 1, maximum: maxSafeInteger, description});

const requestedTimeLimit = requestedLimit('CPU-time limit of a run, ms; the wall-time limit becomes twice this plus 1000 ms. Lowered to the '
	+ 'server\'s maximum (C_RUNNER_RUN_MAX_CPU_MS). Absent or null: the server\'s run limits.');

const requestedMemoryLimit = requestedLimit('Memory limit of a run, MiB. Lowered to the server\'s maximum (C_RUNNER_RUN_MAX_MEMORY_MB). '
	+ 'Absent or null: C_RUNNER_RUN_MEMORY_MB.');

const measurement = (what: string) => ({type: ['integer', 'null'], minimum: 0, description: what});
const exitCode = {
	type: 'integer',
	minimum: -64,
	maximum: 255,
	description: 'Signed: a normal exit gives its status, 0-255 (the low 8 bits the kernel keeps: exit(-1) is 255, exit(256) is 0); death by signal N gives -N; a compile error gives 1.',
};
const signalName = {
	type: ['string', 'null'],
	pattern: '^SIG[A-Z0-9+]+$',
	description: 'The canonical Linux name of the signal that ended the program ("SIGSEGV", "SIGABRT", "SIGIO", "SIGSYS"), or null.',
};
const runStatus = {type: 'string', enum: runStatuses, description: 'How the run ended; see API.md, "Statuses".'};

const errorResponse = (description: string, headers: Record<string, unknown> = {}) => ({
	description,
	headers: {...requestIdHeader, ...headers},
	content: {[json]: {schema: schema('Error')}},
});

/** What /execute_c and /judge_c may answer besides 200; the public endpoints need no token and read no body. */
const jobErrors = {
	400: response('BadRequest'),
	401: response('Unauthorized'),
	408: response('RequestTimeout'),
	413: response('PayloadTooLarge'),
	415: response('UnsupportedMediaType'),
	429: response('TooManyPipelined'),
	500: response('InternalError'),
	503: response('ServiceUnavailable'),
};

/** A token, when the server has one (C_RUNNER_TOKEN); the empty requirement says the endpoint also works without. */
const tokenWhenConfigured = [{bearerAuth: []}, {}];

const judgeEvents = `A stream of Server-Sent Events, each one \`event:\` line and one \`data:\` line of JSON, in this order:

- \`compile\` — the compile finished; data: \`CompileEvent\`.
- \`result\` — a test case finished (in the order they finish; \`index\` says which; SKIPPED ones last); data: \`TestResult\`.
- \`summary\` — last: everything is done; data: \`JudgeResult\`, the whole answer as without streaming.
- \`error\` — the server failed after the stream began (never for the program's own failures), or the job root could not take the job's files then (the 503's message, to try again later); data: \`Error\`. The stream then ends.

A comment line (\`: keep-alive\`) is sent every 15 s while nothing else is. Validation errors and a full queue are answered
before the stream begins, as ordinary JSON errors. A request that waits for its turn has its stream (and the comments) at
once. A client that closes the stream cancels every test case still running.`;

/** /judge_c and Turbo's /submit: one judge, two routes. */
const judgePath = (operationId: string, summary: string, more: string) => ({
	parameters: [{$ref: '#/components/parameters/RequestId'}],
	post: {
		operationId,
		tags: [operationId === 'submit' ? 'turbo' : 'c-runner'],
		summary,
		description: 'Compiles once and runs each test case in its own fresh sandbox. The whole request is validated before '
			+ 'anything runs. With `Accept: text/event-stream` the answer is a stream of Server-Sent Events instead of one JSON object.' + more,
		security: tokenWhenConfigured,
		requestBody: {required: true, content: {[json]: {schema: schema(operationId === 'submit' ? 'SubmitRequest' : 'JudgeRequest')}}},
		responses: {
			200: {
				description: 'The verdicts: one JSON object, or with `Accept: text/event-stream` a stream of events.',
				headers: requestIdHeader,
				content: {
					[json]: {schema: schema('JudgeResult')},
					'text/event-stream': {
						schema: schema('JudgeStreamEvent'),
						// OpenAPI 3.1 cannot describe the events themselves: the schema of each event's data, by event name.
						'x-event-schemas': {compile: schema('CompileEvent'), result: schema('TestResult'), summary: schema('JudgeResult'), error: schema('Error')},
					},
				},
			},
			...jobErrors,
		},
	},
});

export const openApiDocument = {
	openapi: '3.1.0',
	info: {
		title: 'c-runner',
		version,
		summary: 'Compiles and runs untrusted C code under bubblewrap.',
		description: `c-runner compiles one C program with gcc and runs it in a bubblewrap sandbox; /judge_c runs it against many test cases.
See API.md for the full description.

Every response has an \`X-Request-Id\` header. When the server has a token (C_RUNNER_TOKEN), every endpoint except
\`GET /health\` and \`GET /openapi.json\` needs \`Authorization: Bearer <token>\`.

Every error is JSON \`{"error": "<message>"}\`. A path not listed here answers 404 (\`NotFound\`); a method not listed for a
listed path answers 405 (\`MethodNotAllowed\`, with \`Allow\`); a method the server does not implement at all (PROPFIND,
TRACE) answers 501 (\`NotImplemented\`) on a listed path (404 on another). \`OPTIONS\` on a listed path, when it is not a CORS preflight, answers
200 with an empty body and an \`Allow\` header.`,
		license: {name: 'MIT', identifier: 'MIT'},
		contact: {name: 'c-runner maintainers'},
	},
	// Relative: the server that serves this document.
	servers: [{url: '/', description: 'This server'}],
	tags: [
		{name: 'c-runner', description: 'Compile and run, and judge: c-runner\'s own API.'},
		{name: 'turbo', description: 'Turbo\'s judge route.'},
		{name: 'piston', description: 'Piston\'s v2 execute API, for C and C++.'},
		{name: 'judge0', description: 'Judge0 CE\'s submission API, for C and C++.'},
		{name: 'service', description: 'Health, metrics and this document (health and the document need no token).'},
	],
	paths: {
		'/execute_c': {
			parameters: [{$ref: '#/components/parameters/RequestId'}],
			post: {
				operationId: 'executeC',
				tags: ['c-runner'],
				summary: 'Compile and run one C program',
				description: 'Status 200 whenever the request was valid and the server worked, whatever the program did: a compile error, '
					+ 'a crash, a limit hit are all results.',
				security: tokenWhenConfigured,
				requestBody: {required: true, content: {[json]: {schema: schema('ExecuteRequest')}}},
				responses: {
					200: {description: 'The result of the compile and run.', headers: requestIdHeader, content: {[json]: {schema: schema('ExecuteResult')}}},
					...jobErrors,
				},
			},
		},
		'/judge_c': judgePath('judgeC', 'Compile one C program and judge it against test cases', ''),
		'/submit': judgePath('submit', 'Turbo\'s route: the same judge, `language` required', ' Turbo\'s own route and request: `language` is required and must be "c"; every other field and the answer are those of /judge_c.'),
		'/health': {
			parameters: [{$ref: '#/components/parameters/RequestId'}],
			get: {
				operationId: 'health',
				tags: ['service'],
				summary: 'Sandbox self-test, versions, policy and job slots',
				description: 'Runs a real compile and run through the sandbox (cached for C_RUNNER_HEALTH_TTL_MS; concurrent callers share '
					+ 'one check). Takes no job slot. Needs no token.',
				security: [],
				responses: {
					200: {description: 'The sandbox works.', headers: requestIdHeader, content: {[json]: {schema: schema('HealthReport')}}},
					503: {description: 'The sandbox does not work: `status` is `failing` and `self_test.problem` says why.', headers: requestIdHeader, content: {[json]: {schema: schema('HealthReport')}}},
				},
			},
		},
		...compatPaths,
		'/metrics': {
			parameters: [{$ref: '#/components/parameters/RequestId'}],
			get: {
				operationId: 'metrics',
				tags: ['service'],
				summary: 'Prometheus metrics',
				description: 'The Prometheus text format: requests by route and status, compile and run durations, queue depth, jobs in '
					+ 'flight, compile cache hits, misses, evictions and bytes, limit kills by kind, sandbox start failures, and the '
					+ 'process\'s own figures. Needs the token when one is set, as the API does.',
				security: tokenWhenConfigured,
				responses: {
					200: {description: 'The metrics.', headers: requestIdHeader, content: {'text/plain': {schema: {type: 'string'}}}},
					401: {description: 'A token is set and the request did not carry it.', headers: requestIdHeader, content: {[json]: {schema: schema('Error')}}},
				},
			},
		},
		'/openapi.json': {
			parameters: [{$ref: '#/components/parameters/RequestId'}],
			get: {
				operationId: 'openApi',
				tags: ['service'],
				summary: 'This document',
				description: 'Needs no token.',
				security: [],
				responses: {
					200: {description: 'The API as an OpenAPI 3.1 document.', headers: requestIdHeader, content: {[json]: {schema: schema('OpenApiDocument')}}},
				},
			},
		},
	},
	components: {
		schemas: {
			ExecuteRequest: {
				type: 'object',
				description: 'Unknown fields are ignored. A field sent as null is taken as absent (except `code`). `code` or `files`, not both.',
				// In allOf: generators then read it as the object's fields and (code | files), not as alternatives to them.
				allOf: [{anyOf: codeOrFiles}],
				properties: {
					code: sourceCode,
					...programFields,
					args: {
						description: 'Arguments after argv[0]. A string is split into words the way a POSIX shell splits them (quotes and '
							+ 'backslashes honoured, nothing expanded, no shell runs); an array is taken as it is. At most 256 arguments and '
							+ '64 KiB (each argument\'s UTF-8 bytes plus one). No NUL bytes.',
						oneOf: [
							{type: 'string', pattern: '^[^\\u0000]*$'},
							{type: 'array', maxItems: maxArgs, items: {type: 'string', pattern: '^[^\\u0000]*$'}},
							{type: 'null'},
						],
					},
					stdin: {type: ['string', 'null'], description: 'Fed to standard input; without it, stdin is empty. Any characters, NUL included.'},
					time_limit_ms: requestedTimeLimit,
					memory_limit_mb: requestedMemoryLimit,
				},
				additionalProperties: true,
			},
			ExecuteResult: {
				type: 'object',
				required: ['output', 'error', 'exit_code', 'status', 'signal', 'timed_out', 'truncated', 'stopped_by', 'output_limit_stream', 'warnings', 'time_ms', 'cpu_ms', 'memory_kb', 'limits', 'compile_cached'],
				properties: {
					output: {type: 'string', description: 'The program\'s stdout (UTF-8; invalid bytes become U+FFFD). Empty for a compile error.'},
					error: {type: 'string', description: 'The program\'s stderr; for a compile error, gcc\'s diagnostics, unchanged.'},
					exit_code: exitCode,
					status: runStatus,
					signal: signalName,
					timed_out: {type: 'boolean', description: 'A time limit (wall or CPU) stopped the program.'},
					truncated: {type: 'boolean', description: '`output` or `error` was cut: at the output cap, or at the answer\'s size bound as sent (C_RUNNER_RESPONSE_BYTES).'},
					stopped_by: {
						type: ['string', 'null'],
						enum: ['wall_time', 'cpu_time', 'memory', 'output', 'file_size', null],
						description: 'The limit that stopped the program, or null.',
					},
					output_limit_stream: {
						type: ['string', 'null'],
						enum: ['stdout', 'stderr', null],
						description: 'With stopped_by "output": the stream that passed the output cap (gcc\'s diagnostics are stderr); null otherwise.',
					},
					warnings: {type: 'string', description: 'gcc\'s warnings from a compile that succeeded.'},
					time_ms: measurement('Wall time of the run, ms; null for a compile error.'),
					cpu_ms: measurement('User plus system CPU time of the program and all its children, ms; null when not measured.'),
					memory_kb: measurement('Peak memory of the run, KiB: with job cgroups, everything the job held resident at once (the job '
						+ 'cgroup\'s peak charge, over all its processes, tmpfs files and shared memory); under the helper backend, the peak resident '
						+ 'set of the largest single process. null when not measured: a compile error, or, under the helper backend, a run the '
						+ 'server stopped from outside (an output-limit kill, or its own wall-clock backstop).'),
					limits: schema('AppliedLimits'),
					compile_cached: compileCached,
				},
				additionalProperties: false,
			},
			AppliedLimits: {
				type: 'object',
				description: 'The run limits that applied, after `time_limit_ms` and `memory_limit_mb` were taken into account.',
				required: ['wall_time_ms', 'cpu_time_ms', 'cpu_time_enforced_ms', 'memory_mb', 'processes', 'file_size_mb', 'disk_mb', 'open_files', 'stack_mb', 'output_bytes'],
				properties: {
					wall_time_ms: {type: 'integer', minimum: 1},
					cpu_time_ms: {type: 'integer', minimum: 1, description: 'The CPU time limit of the verdict: a run that used more is time_limit (TLE), whatever stopped it.'},
					cpu_time_enforced_ms: {
						type: 'integer',
						minimum: 1,
						description: 'The CPU time at which the sandbox stops the program: `cpu_time_ms`, under every policy and accounting backend '
							+ '(the helper samples the job\'s CPU time every 5 ms and kills the job within one sample of the limit; no /proc is needed).',
					},
					memory_mb: {type: 'integer', minimum: 1},
					processes: {type: 'integer', minimum: 1},
					file_size_mb: {type: 'integer', minimum: 1},
					disk_mb: {type: 'integer', minimum: 1},
					open_files: {type: 'integer', minimum: 1},
					stack_mb: {type: 'integer', minimum: 1, description: 'The stack of each thread (RLIMIT_STACK): a deep recursion past it is a SIGSEGV.'},
					output_bytes: {type: 'integer', minimum: 1, description: 'The output cap, per stream.'},
				},
				additionalProperties: false,
			},
			JudgeRequest: {
				type: 'object',
				description: 'Unknown top-level fields (Turbo\'s `user_id`) are ignored, and named in the answer\'s `ignored_fields`. A field sent '
					+ 'as null is taken as absent (except `code`).',
				required: ['testcases'],
				// In allOf: generators then read it as the object's fields and (code | files), not as alternatives to them.
				allOf: [{anyOf: codeOrFiles}],
				properties: {
					code: sourceCode,
					...programFields,
					testcases: {
						type: 'array',
						minItems: 1,
						items: schema('TestCase'),
						description: 'At most C_RUNNER_JUDGE_MAX_TESTS (default 200) test cases. Their `id`s must be unique.',
					},
					time_limit_ms: {
						...requestedTimeLimit,
						description: 'CPU-time limit of each test case, ms; the wall-time limit becomes twice this plus 1000 ms. Lowered to the '
							+ 'server\'s maximum (C_RUNNER_RUN_MAX_CPU_MS). Absent or null: C_RUNNER_JUDGE_CPU_MS (default 2000).',
					},
					memory_limit_mb: requestedMemoryLimit,
					compare: {
						type: ['string', 'null'],
						enum: ['trim', 'exact', 'tokens', 'float', null],
						description: '"trim": trailing whitespace of each line and trailing newlines are ignored; "exact": the bytes the program wrote '
							+ 'against the UTF-8 bytes of the expected output; "tokens": the same words in the same order, any whitespace between; '
							+ '"float": tokens, numbers equal within `absolute_tolerance` or `relative_tolerance`. Not with `checker`.',
					},
					absolute_tolerance: {type: ['number', 'null'], minimum: 0, description: 'Only with "compare": "float"; default 1e-6.'},
					relative_tolerance: {type: ['number', 'null'], minimum: 0, description: 'Only with "compare": "float"; relative to the expected number; default 1e-6.'},
					checker: {
						...sourceCode,
						type: ['string', 'null'],
						description: 'C source of a checker program, instead of `compare`: compiled once, run per test case in its own sandbox as '
							+ '`checker <input> <expected> <actual>` (file paths); exit code 0 is AC, any other exit WA; its stdout is `checker_message`.',
					},
					stop_on_first_failure: {type: ['boolean', 'null'], description: 'Stop at the first test case that fails; the rest are SKIPPED. Default false.'},
					language: {type: ['string', 'null'], pattern: languagePattern, description: '"c" (default) or "cpp", in any case; required at /submit.'},
				},
				additionalProperties: true,
			},
			SubmitRequest: {
				description: 'Turbo\'s request: a JudgeRequest whose `language` is required.',
				allOf: [schema('JudgeRequest'), {type: 'object', required: ['language'], properties: {language: {type: 'string', pattern: languagePattern}}}],
			},
			TestCase: {
				type: 'object',
				description: 'Turbo\'s `{id, input, output}` or Dalmeng\'s `{input, expected_output}`: the expected output is needed, under '
					+ 'either name (both only when equal). `input` and the expected output hold at most C_RUNNER_JUDGE_MAX_TEST_BYTES '
					+ '(default 1 MiB) of UTF-8 each.',
				properties: {
					input: {type: ['string', 'null'], description: 'The program\'s stdin; empty when absent.'},
					output: {type: ['string', 'null'], description: 'The expected stdout (Turbo\'s name).'},
					expected_output: {type: ['string', 'null'], description: 'The expected stdout (Dalmeng\'s name).'},
					id: {
						description: 'The client\'s id, echoed in the result; unique within the request. Default: the position (0, 1, …). '
							+ 'A string counts at most 128 UTF-16 code units.',
						oneOf: [
							{type: 'integer', minimum: -maxSafeInteger, maximum: maxSafeInteger},
							{type: 'string', minLength: 1, maxLength: 128},
							{type: 'null'},
						],
					},
				},
				allOf: [{anyOf: [
					{type: 'object', required: ['output'], properties: {output: {type: 'string'}}},
					{type: 'object', required: ['expected_output'], properties: {expected_output: {type: 'string'}}},
				]}],
				// A field of another name (`standard_input`, `stdin`, `expected`) is a 400, never silently ignored.
				additionalProperties: false,
			},
			JudgeResult: {
				type: 'object',
				required: ['passed', 'verdict', 'results', 'error', 'summary', 'warnings', 'limits', 'ignored_fields', 'compile_cached'],
				properties: {
					passed: {type: 'boolean', description: 'Every test case is AC.'},
					verdict: {
						type: 'string',
						enum: [...testVerdicts, 'CE'],
						description: 'AC when all passed; CE; else the verdict of the first test case, in request order, that ran and did not pass; '
							+ 'SKIPPED when none failed but some were skipped.',
					},
					results: {type: 'array', items: schema('TestResult'), description: 'One result per test case, in request order; empty for CE.'},
					error: {type: ['string', 'null'], description: 'gcc\'s message, unchanged, when the program did not compile; null otherwise.'},
					summary: schema('JudgeSummary'),
					warnings: {type: 'string', description: 'gcc\'s warnings from a compile that succeeded.'},
					limits: schema('AppliedLimits'),
					ignored_fields: {type: 'array', items: {type: 'string'}, description: 'Top-level request fields the server did not read (Turbo\'s `user_id`).'},
					compile_cached: compileCached,
				},
				additionalProperties: false,
			},
			JudgeSummary: {
				type: 'object',
				required: ['passed', 'total', 'first_failure'],
				properties: {
					passed: {type: 'integer', minimum: 0, description: 'Number of test cases that passed.'},
					total: {type: 'integer', minimum: 0},
					first_failure: {
						description: 'The first test case, in request order, that did not pass; null when all passed or none ran.',
						oneOf: [
							{
								type: 'object',
								required: ['index', 'id', 'verdict'],
								properties: {
									index: {type: 'integer', minimum: 0},
									id: {oneOf: [{type: 'integer'}, {type: 'string'}]},
									verdict: {type: 'string', enum: testVerdicts},
								},
								additionalProperties: false,
							},
							{type: 'null'},
						],
					},
				},
				additionalProperties: false,
			},
			TestResult: {
				type: 'object',
				description: 'One test case\'s result.',
				required: [
					'index', 'id', 'worker_id', 'passed', 'verdict', 'actual_output', 'output_truncated', 'error', 'error_truncated',
					'time', 'memory', 'time_ms', 'cpu_ms', 'memory_kb', 'exit_code', 'signal', 'status', 'checker_message',
				],
				properties: {
					index: {type: 'integer', minimum: 0, description: 'Position of the test case in the request.'},
					id: {oneOf: [{type: 'integer'}, {type: 'string'}], description: 'The test case\'s id.'},
					worker_id: {
						oneOf: [{type: 'string', format: 'uuid'}, {type: 'string', maxLength: 0}],
						description: 'The job that ran it: its directory was c_exec_<worker_id>; empty when SKIPPED.',
					},
					passed: {type: 'boolean', description: 'The verdict is AC.'},
					verdict: {type: 'string', enum: testVerdicts},
					actual_output: {type: 'string', description: 'The program\'s stdout; with "trim" comparison, trailing whitespace removed. Cut at C_RUNNER_JUDGE_RESULT_BYTES as sent (after JSON escaping) and to the answer\'s budget (C_RUNNER_RESPONSE_BYTES).'},
					output_truncated: {type: 'boolean', description: '`actual_output` was cut here (per test case or by the answer\'s budget), or stdout itself passed the output cap.'},
					error: {
						type: 'string',
						description: 'The program\'s stderr, cut like `actual_output`. When the test case failed by a crash, a limit or a non-zero exit '
							+ 'and stderr is empty, one line saying so ("Runtime error: SIGSEGV (exit code -11)", "Time limit exceeded: 1000 ms CPU"); '
							+ 'for SKIPPED, why.',
					},
					error_truncated: {type: 'boolean', description: '`error` was cut here, or stderr itself passed the output cap.'},
					time: {type: 'string', pattern: '^\\d+ms$', description: '`time_ms` as Turbo\'s string: "12ms".'},
					memory: {type: 'string', pattern: '^(?:\\d+\\.\\dMB|unknown)$', description: '`memory_kb` in MiB as Turbo\'s string: "1.3MB"; "unknown" when not measured.'},
					time_ms: measurement('Wall time of the run, ms.'),
					cpu_ms: measurement('CPU time of the run, ms.'),
					memory_kb: measurement('Peak resident memory of the run, KiB.'),
					exit_code: {...exitCode, type: ['integer', 'null'], description: `${exitCode.description} null when SKIPPED.`},
					signal: signalName,
					status: {...runStatus, enum: [...runStatuses, 'skipped']},
					checker_message: {type: ['string', 'null'], description: 'What the checker program printed; null without a checker, or when it did not run (the program failed first).'},
				},
				additionalProperties: false,
			},
			CompileEvent: {
				type: 'object',
				description: 'The data of the `compile` event of a streamed judge answer.',
				required: ['status', 'warnings', 'error'],
				properties: {
					status: {type: 'string', enum: ['ok', 'compile_error']},
					warnings: {type: 'string', description: 'gcc\'s warnings when the compile succeeded; empty otherwise.'},
					error: {type: ['string', 'null'], description: 'gcc\'s message when the compile failed; null otherwise.'},
				},
				additionalProperties: false,
			},
			HealthReport: {
				type: 'object',
				required: ['status', 'checked_at', 'self_test', 'versions', 'policy', 'slots', 'judges'],
				properties: {
					status: {type: 'string', enum: ['ok', 'failing']},
					checked_at: {type: 'string', format: 'date-time', description: 'When the (cached) self-test ran.'},
					self_test: {
						type: 'object',
						required: ['ok', 'duration_ms', 'problem'],
						properties: {
							ok: {type: 'boolean'},
							duration_ms: {type: 'integer', minimum: 0},
							problem: {type: ['string', 'null'], description: 'What went wrong, or null.'},
						},
						additionalProperties: false,
					},
					versions: {
						type: 'object',
						required: ['gcc', 'bwrap', 'node', 'kernel'],
						properties: {
							gcc: {type: ['string', 'null']},
							bwrap: {type: ['string', 'null']},
							node: {type: ['string', 'null']},
							kernel: {type: ['string', 'null']},
						},
						additionalProperties: {type: ['string', 'null']},
						description: 'Each null when it could not be found out.',
					},
					policy: {
						type: 'object',
						description: 'The sandbox policy in effect; its other fields describe it in words and may change.',
						required: ['level', 'weakened'],
						properties: {
							level: {type: 'string', enum: ['strongest', 'reduced']},
							weakened: {type: 'array', items: {type: 'string'}, description: 'What the reduced policy lacks, in words; empty at `strongest`.'},
						},
						additionalProperties: true,
					},
					slots: {...queueStats, description: 'The job slots (C_RUNNER_CONCURRENCY): in use, and requests waiting for one.'},
					judges: {...queueStats, description: 'Judge requests past their wait, from compile to verdicts (C_RUNNER_JUDGES), and those waiting for their turn.'},
				},
				additionalProperties: false,
			},
			OpenApiDocument: {
				type: 'object',
				description: 'This document.',
				required: ['openapi', 'info', 'paths'],
				properties: {
					openapi: {type: 'string', pattern: '^3\\.1\\.\\d+$'},
					info: {type: 'object'},
					servers: {type: 'array', items: {type: 'object'}},
					paths: {type: 'object'},
					components: {type: 'object'},
				},
				additionalProperties: true,
			},
			...compatSchemas,
			JudgeStreamEvent: {
				description: `${judgeEvents}\n\nEach message of the stream, as its event name and the JSON of its \`data:\` line.`,
				oneOf: (['compile', 'result', 'summary', 'error'] as const).map(event => ({
					type: 'object',
					required: ['event', 'data'],
					properties: {event: {const: event}, data: schema({compile: 'CompileEvent', result: 'TestResult', summary: 'JudgeResult', error: 'Error'}[event])},
					additionalProperties: false,
				})),
			},
			Error: {
				type: 'object',
				required: ['error'],
				properties: {error: {type: 'string', minLength: 1, description: 'The problem, in words.'}},
				additionalProperties: false,
			},
		},
		responses: {
			BadRequest: errorResponse('The request was not valid; nothing ran.'),
			Unauthorized: errorResponse('The server has a token and the request did not send it: "Missing or invalid bearer token".', {
				'WWW-Authenticate': {required: true, schema: {type: 'string', const: 'Bearer'}},
			}),
			NotFound: errorResponse('No such path: "No route for <METHOD> <path>".'),
			MethodNotAllowed: errorResponse('A known path with a method it does not take: "Method not allowed: <METHOD> <path>".', {
				Allow: {required: true, description: 'The methods the path takes.', schema: {type: 'string'}},
			}),
			NotImplemented: errorResponse('A method the server does not implement at all (PROPFIND, TRACE), on a listed path: '
				+ '"Method not implemented: <METHOD> <path>", with `Allow` naming the path\'s methods (a path not listed is a 404).'),
			RequestTimeout: errorResponse('The request, headers and body, did not arrive whole within C_RUNNER_RECEIVE_TIMEOUT_MS: "Request was not received in time"; the connection is closed.'),
			PayloadTooLarge: errorResponse('The body is over C_RUNNER_BODY_LIMIT_BYTES: "Request body is larger than <n> bytes".'),
			UnsupportedMediaType: errorResponse('The body is not `application/json`, says it is in a charset other than UTF-8, or has a Content-Encoding the server does not take.'),
			TooManyPipelined: errorResponse('More than 16 requests pipelined on one connection without their answers read (on any path): "More than 16 requests pipelined on one connection without reading their answers; the connection is closed"; the connection is closed.'),
			InternalError: errorResponse('The sandbox itself failed (not the program): "Internal server error"; details only in the log.'),
			ServiceUnavailable: errorResponse('All job slots and the queue are full (with Retry-After); for a judge request, also `C_RUNNER_JUDGES` judge requests running and as many waiting as the queue takes (with Retry-After); the job root cannot take the job\'s files now (full or read-only; with Retry-After), or the server is shutting down: it cancelled the job, or takes no new requests.', {
				'Retry-After': {description: 'Seconds to wait; sent when the queue is full or the job root cannot take the job\'s files.', schema: {type: 'string', pattern: '^\\d+$'}},
			}),
		},
		headers: {
			RequestId: {
				description: 'The request\'s id, also in the server\'s logs: the client\'s own when it sent a valid one, else a new UUID.',
				required: true,
				schema: {type: 'string', pattern: '^[\\w.:-]{1,128}$'},
			},
		},
		parameters: {
			RequestId: {
				name: 'X-Request-Id',
				in: 'header',
				required: false,
				description: 'The client\'s own request id, echoed in the response and the logs. One that does not match the pattern is '
					+ 'replaced by a new one, not refused.',
				schema: {type: 'string', pattern: '^[\\w.:-]{1,128}$'},
			},
		},
		securitySchemes: {
			bearerAuth: {
				type: 'http',
				scheme: 'bearer',
				description: 'Only when the server has a token (C_RUNNER_TOKEN); without one, no endpoint needs it. GET /health and '
					+ 'GET /openapi.json never do.',
			},
		},
	},
};
