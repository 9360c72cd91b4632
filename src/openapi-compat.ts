// The Piston and Judge0 routes in the OpenAPI document: their paths and schemas, merged in by src/openapi.ts.
import {judge0ConfigInfo, judge0Statuses} from './compat/judge0.ts';

const json = 'application/json';
const schema = (name: string) => ({$ref: `#/components/schemas/${name}`});
const response = (name: string) => ({$ref: `#/components/responses/${name}`});
const requestIdHeader = {'X-Request-Id': {$ref: '#/components/headers/RequestId'}};
const tokenWhenConfigured = [{bearerAuth: []}, {}];
const parameters = [{$ref: '#/components/parameters/RequestId'}];
/** A refusal on Piston's route: Piston's `{message}` body, whatever the cause. */
const pistonRefusal = (description: string) => ({description, headers: requestIdHeader, content: {[json]: {schema: schema('PistonError')}}});
const ok = (description: string, name: string, status = 200) => ({[status]: {description, headers: requestIdHeader, content: {[json]: {schema: schema(name)}}}});
const nullableInteger = (description: string) => ({type: ['integer', 'null'], description});
const nullableString = (description: string) => ({type: ['string', 'null'], description});
const strict = (properties: Record<string, unknown>, description?: string) => ({
	type: 'object',
	required: Object.keys(properties),
	properties,
	additionalProperties: false,
	...(description === undefined ? {} : {description}),
});

const pistonStage = strict({
	stdout: {type: 'string'},
	stderr: {type: 'string'},
	output: {type: 'string', description: 'stdout, then stderr (captured apart: their interleaving is lost).'},
	code: nullableInteger('The exit code; null when a signal ended the program.'),
	signal: nullableString('The signal that ended the program ("SIGSEGV"; "SIGKILL" for a limit).'),
	message: nullableString('isolate\'s words: "Exited with error status 3", "Caught fatal signal 11", "Time limit exceeded".'),
	status: {type: ['string', 'null'], enum: ['RE', 'SG', 'TO', 'OL', 'EL', 'XX', null], description: 'null for a clean exit.'},
	cpu_time: nullableInteger('ms; null for the compile stage.'),
	wall_time: nullableInteger('ms; null for the compile stage.'),
	memory: nullableInteger('Bytes; null for the compile stage.'),
});

const judge0Text = (description: string) => ({type: ['string', 'null'], description: `${description} null when empty; Base64 with base64_encoded=true.`});

/** Every attribute a Judge0 submission view may have; `fields` picks which (the default: 8 of them). */
const judge0Attributes = {
	source_code: {type: 'string'},
	language_id: {type: 'integer'},
	stdin: judge0Text('The stdin sent.'),
	expected_output: judge0Text('The expected output sent.'),
	stdout: judge0Text('The program\'s stdout: in Base64 the bytes it wrote, as text their UTF-8 decoding (U+FFFD for what is not UTF-8).'),
	stderr: judge0Text('The program\'s stderr, as stdout is answered.'),
	compile_output: judge0Text('gcc\'s diagnostics (its warnings, when the compile succeeded).'),
	message: judge0Text('isolate\'s words for how the run ended.'),
	status: schema('Judge0Status'),
	status_id: {type: 'integer', minimum: 1, maximum: 14},
	time: {type: ['string', 'null'], pattern: '^\\d+\\.\\d{3}$', description: 'CPU time, seconds.'},
	wall_time: {type: ['string', 'null'], pattern: '^\\d+\\.\\d{3}$', description: 'Wall time, seconds.'},
	memory: nullableInteger('Peak memory, KB.'),
	exit_code: nullableInteger('The exit code (0 after a signal, as Judge0 has it).'),
	exit_signal: nullableInteger('The signal number that ended the program.'),
	token: {type: 'string', format: 'uuid'},
	created_at: {type: 'string'},
	finished_at: {type: ['string', 'null']},
	number_of_runs: {type: 'integer'},
	redirect_stderr_to_stdout: {type: 'boolean'},
	enable_network: {type: 'boolean'},
	enable_per_process_and_thread_time_limit: {type: 'boolean', description: 'Always false: c-runner\'s limits are per job.'},
	enable_per_process_and_thread_memory_limit: {type: 'boolean'},
	callback_url: {type: 'null'},
	additional_files: {type: 'null'},
	language: {type: 'object', properties: {id: {type: 'integer'}, name: {type: 'string'}}, required: ['id', 'name']},
	cpu_time_limit: {description: 'Seconds: as sent; once run, the limit it ran under.'},
	cpu_extra_time: {description: 'As sent; not applied.'},
	wall_time_limit: {description: 'Seconds: as sent; once run, the limit it ran under.'},
	memory_limit: {description: 'KB: as sent; once run, the limit it ran under.'},
	stack_limit: {description: 'KB: as sent; once run, the limit it ran under.'},
	max_file_size: {description: 'KB: as sent; once run, the limit it ran under.'},
	max_processes_and_or_threads: {description: 'As sent; once run, the limit it ran under (the program\'s own processes and threads).'},
	compiler_options: {description: 'As sent.'},
	command_line_arguments: {description: 'As sent.'},
};

// Judge0's config_info keys, each typed as the answer has it (the figures of any server will do).
const configInfoSample = judge0ConfigInfo({run: {cpuMs: 1, wallMs: 1, memoryMb: 1, fileSizeMb: 1, stackMb: 1, processes: 2}, maxCpuMs: 1, maxWallMs: 1, maxMemoryMb: 1, storeSize: 1});
const configInfoProperties = Object.fromEntries(Object.entries(configInfoSample).map(([key, value]) =>
	[key, Array.isArray(value) ? {type: 'array', items: {type: 'string'}} : {type: typeof value === 'boolean' ? 'boolean' : 'number'}]));

const base64Parameter = {name: 'base64_encoded', in: 'query', required: false, schema: {type: 'boolean'}, description: 'Texts in and out are Base64; default false.'};
const fieldsParameter = {name: 'fields', in: 'query', required: false, schema: {type: 'string'}, description: 'Comma-separated attribute names, or `*`; default stdout,time,memory,stderr,token,compile_output,message,status.'};

export const compatPaths = {
	'/api/v2/runtimes': {
		parameters,
		get: {
			operationId: 'pistonRuntimes',
			tags: ['piston'],
			summary: 'Piston: the runtimes (c and c++)',
			description: 'C and C++, each with the version of the gcc that compiles them, and Piston\'s aliases.',
			security: tokenWhenConfigured,
			responses: {...ok('C and C++, with the gcc version.', 'PistonRuntimes'), 401: response('Unauthorized')},
		},
	},
	'/api/v2/execute': {
		parameters,
		post: {
			operationId: 'pistonExecute',
			tags: ['piston'],
			summary: 'Piston: compile and run C or C++',
			description: 'Piston\'s v2 execute. The body is read as JSON whatever its Content-Type.',
			security: tokenWhenConfigured,
			requestBody: {required: true, content: {[json]: {schema: schema('PistonExecuteRequest')}}},
			responses: {
				...ok('Both stages; when the compile failed, `run` repeats `compile`.', 'PistonExecuteResult'),
				400: pistonRefusal('Piston\'s own refusal, a body that is not JSON, or one that does not decompress: `{message}`.'),
				401: response('Unauthorized'),
				413: pistonRefusal('The body is over the limit: `{message}`, as Piston\'s clients read every refusal.'),
				500: response('InternalError'),
				503: {...pistonRefusal('All job slots and the queue are full: `{message}`, with `Retry-After`.'), headers: {...requestIdHeader, 'Retry-After': {description: 'Seconds to wait.', schema: {type: 'string', pattern: '^\\d+$'}}}},
			},
		},
	},
	'/languages': {
		parameters,
		get: {
			operationId: 'judge0Languages',
			tags: ['judge0'],
			summary: 'Judge0: the active languages (gcc C and C++)',
			description: 'Judge0 CE\'s active gcc ids, named with this server\'s gcc; its archived gcc ids (4-13) are accepted too.',
			security: tokenWhenConfigured,
			responses: {...ok('Judge0 CE\'s ids 48-50 (C) and 52-54 (C++).', 'Judge0Languages'), 401: response('Unauthorized')},
		},
	},
	'/languages/all': {
		parameters,
		get: {
			operationId: 'judge0AllLanguages',
			tags: ['judge0'],
			summary: 'Judge0: the active and archived languages',
			description: 'Judge0 CE\'s active gcc ids and its archived gcc ids (4-13), each with `is_archived`, ordered by name, then id.',
			security: tokenWhenConfigured,
			responses: {...ok('Judge0 CE\'s ids 4-13 (archived), 48-50 (C) and 52-54 (C++).', 'Judge0AllLanguages'), 401: response('Unauthorized')},
		},
	},
	'/languages/{id}': {
		parameters: [...parameters, {name: 'id', in: 'path', required: true, schema: {type: 'integer'}}],
		get: {
			operationId: 'judge0Language',
			tags: ['judge0'],
			summary: 'Judge0: one language',
			description: 'The language\'s file name and the commands c-runner runs for it; 404 for an id it does not run.',
			security: tokenWhenConfigured,
			responses: {...ok('The language.', 'Judge0Language'), 401: response('Unauthorized'), 404: response('NotFound')},
		},
	},
	'/statuses': {
		parameters,
		get: {
			operationId: 'judge0Statuses',
			tags: ['judge0'],
			summary: 'Judge0: the statuses',
			description: 'Judge0\'s 14 statuses, as Judge0 lists them.',
			security: tokenWhenConfigured,
			responses: {...ok('Judge0\'s 14 statuses.', 'Judge0Statuses'), 401: response('Unauthorized')},
		},
	},
	'/config_info': {
		parameters,
		get: {
			operationId: 'judge0ConfigInfo',
			tags: ['judge0'],
			summary: 'Judge0: the configuration',
			description: 'Judge0\'s configuration keys with this server\'s limits, in Judge0\'s units (seconds, KB); what c-runner does not offer '
				+ 'reads as turned off.',
			security: tokenWhenConfigured,
			responses: {...ok('The configuration.', 'Judge0ConfigInfo'), 401: response('Unauthorized')},
		},
	},
	'/submissions': {
		parameters: [...parameters, base64Parameter, {name: 'wait', in: 'query', required: false, schema: {type: 'boolean'}, description: 'Answer the finished submission; default false.'}, fieldsParameter],
		post: {
			operationId: 'judge0Submit',
			tags: ['judge0'],
			summary: 'Judge0: a submission',
			description: 'With wait=true the finished submission; otherwise a token at once, the run in the background. Either way this '
				+ 'server\'s memory keeps the submission for C_RUNNER_JUDGE0_TTL_MS, at most C_RUNNER_JUDGE0_STORE_SIZE (and C_RUNNER_JUDGE0_STORE_BYTES) at once, so its token '
				+ 'works with GET /submissions/{token} (a wait=true submission that finds the store full is still answered, and not kept). '
				+ 'A body that is not valid JSON is c-runner\'s own 400 `{"error": "Request body is not valid JSON"}`, not a 422; an unknown name in `fields` is '
				+ 'Judge0\'s 400 `{"error": "invalid fields: [...]"}`.',
			security: tokenWhenConfigured,
			requestBody: {required: true, content: {[json]: {schema: schema('Judge0SubmissionRequest')}}},
			responses: {
				201: {
					description: 'With wait=true, the finished submission; otherwise `{token}`.',
					headers: requestIdHeader,
					content: {[json]: {schema: {anyOf: [schema('Judge0Submission'), schema('Judge0Token')]}}},
				},
				400: {description: 'An unknown name in `fields` (Judge0\'s `{"error": "invalid fields: [...]"}`), or a body that is not valid JSON.', headers: requestIdHeader, content: {[json]: {schema: schema('Error')}}},
				401: response('Unauthorized'),
				413: response('PayloadTooLarge'),
				415: response('UnsupportedMediaType'),
				422: {description: 'Judge0\'s validation failure: each field with its messages.', headers: requestIdHeader, content: {[json]: {schema: schema('Judge0FieldErrors')}}},
				500: response('InternalError'),
				503: response('ServiceUnavailable'),
			},
		},
	},
	'/submissions/{token}': {
		parameters: [...parameters, {name: 'token', in: 'path', required: true, schema: {type: 'string'}}, base64Parameter, fieldsParameter],
		get: {
			operationId: 'judge0Submission',
			tags: ['judge0'],
			summary: 'Judge0: a submission made without wait',
			description: 'Any submission this server keeps, made with wait=true or without: In Queue or Processing until it is done; '
				+ '`fields` picks the attributes.',
			security: tokenWhenConfigured,
			responses: {
				...ok('The submission: In Queue or Processing until it is done.', 'Judge0Submission'),
				401: response('Unauthorized'),
				404: response('NotFound'),
				400: {description: 'An unknown name in `fields`: Judge0\'s `{"error": "invalid fields: [...]"}`.', headers: requestIdHeader, content: {[json]: {schema: schema('Error')}}},
			},
		},
	},
};

export const compatSchemas = {
	PistonRuntimes: {
		type: 'array',
		items: strict({language: {type: 'string'}, version: {type: 'string'}, aliases: {type: 'array', items: {type: 'string'}}, runtime: {type: 'string'}}),
	},
	PistonExecuteRequest: {
		type: 'object',
		required: ['language', 'files'],
		properties: {
			language: {type: 'string', description: 'c or c++, or an alias: gcc, cpp, g++.'},
			version: {type: ['string', 'null'], description: 'Optional here; a SemVer range, as Piston takes it ("*", "12", "12.x", "^12").'},
			files: {
				type: 'array',
				minItems: 1,
				items: {type: 'object', required: ['content'], properties: {name: {type: 'string'}, content: {type: 'string'}, encoding: {type: ['string', 'null'], description: 'base64 and hex are decoded; anything else (utf8, none, null) is taken as it is.'}}},
			},
			stdin: {type: 'string'},
			args: {type: 'array', items: {type: 'string'}},
			run_timeout: {type: 'number', description: 'Wall-clock limit, ms; 0 or -1: the server\'s default.'},
			run_cpu_time: {type: 'number', description: 'CPU limit, ms.'},
			run_memory_limit: {type: 'number', description: 'Bytes; -1: the server\'s default.'},
			compile_timeout: {type: 'number', description: 'Checked, not applied: the server\'s compile limits hold.'},
			compile_cpu_time: {type: 'number', description: 'Checked, not applied.'},
			compile_memory_limit: {type: 'number', description: 'Checked, not applied.'},
		},
		additionalProperties: true,
	},
	PistonStage: pistonStage,
	PistonExecuteResult: strict({language: {type: 'string'}, version: {type: 'string'}, compile: schema('PistonStage'), run: schema('PistonStage')}),
	PistonError: strict({message: {type: 'string', minLength: 1}}),
	Judge0Languages: {type: 'array', items: strict({id: {type: 'integer'}, name: {type: 'string'}})},
	Judge0AllLanguages: {type: 'array', items: strict({id: {type: 'integer'}, name: {type: 'string'}, is_archived: {type: 'boolean'}})},
	Judge0Language: strict({
		id: {type: 'integer'},
		name: {type: 'string'},
		is_archived: {type: 'boolean'},
		source_file: {type: 'string'},
		compile_cmd: {type: 'string'},
		run_cmd: {type: 'string'},
	}),
	Judge0Status: strict({id: {type: 'integer', minimum: 1, maximum: 14}, description: {type: 'string', enum: judge0Statuses.map(status => status.description)}}),
	Judge0Statuses: {type: 'array', items: schema('Judge0Status')},
	Judge0ConfigInfo: strict(configInfoProperties, 'Judge0\'s configuration keys: seconds, KB, counts and switches.'),
	Judge0SubmissionRequest: {
		type: 'object',
		required: ['source_code', 'language_id'],
		properties: {
			source_code: {type: 'string'},
			language_id: {type: ['integer', 'string'], description: '48-50 or 4-9: C; 52-54 or 10-13: C++.'},
			stdin: {type: ['string', 'null']},
			expected_output: {type: ['string', 'null']},
			cpu_time_limit: {type: ['number', 'null'], description: 'Seconds.'},
			wall_time_limit: {type: ['number', 'null'], description: 'Seconds.'},
			memory_limit: {type: ['number', 'null'], description: 'KB, rounded up to whole MiB.'},
			max_file_size: {type: ['number', 'null'], description: 'KB, rounded up to whole MiB; at most the server\'s run file size limit.'},
			stack_limit: {type: ['number', 'null'], description: 'KB, rounded up to whole MiB; at most the server\'s run stack.'},
			max_processes_and_or_threads: {type: ['integer', 'null'], minimum: 1, description: 'The program\'s own; at most the server\'s process limit less one (the sandbox\'s helper).'},
			command_line_arguments: {type: ['string', 'null']},
			compiler_options: {type: ['string', 'null'], description: 'Only -std=... and -O0, -O1, -O2, -O3, -Os.'},
			redirect_stderr_to_stdout: {type: ['boolean', 'integer', 'string', 'null'], description: 'true or false, or Rails\'s words for them ("true", "1", "f", ...).'},
		},
		additionalProperties: true,
	},
	Judge0Submission: {type: 'object', properties: judge0Attributes, additionalProperties: false},
	Judge0Token: strict({token: {type: 'string', format: 'uuid'}}),
	Judge0FieldErrors: {type: 'object', minProperties: 1, additionalProperties: {type: 'array', items: {type: 'string'}, minItems: 1}},
};
