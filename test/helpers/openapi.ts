import {Ajv2020, type ValidateFunction} from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import {openApiDocument} from '../../src/openapi.ts';

// ajv-formats is CommonJS: its default export arrives as the module object under some loaders.
const addFormats = ((addFormatsModule as unknown as {default?: typeof addFormatsModule}).default ?? addFormatsModule) as unknown as (ajv: Ajv2020) => void;

const documentId = 'https://c-runner.invalid/openapi.json';
const ajv = new Ajv2020({allErrors: true, strict: false});
addFormats(ajv);
ajv.addSchema(structuredClone(openApiDocument) as object, documentId);
const compiled = new Map<string, ValidateFunction>();

/** A validator for one of the document's component schemas, its `$ref`s resolved within the document. */
export function compileSchema(name: string): ValidateFunction {
	let validate = compiled.get(name);
	if (validate === undefined) {
		validate = ajv.compile({$ref: `${documentId}#/components/schemas/${name}`});
		compiled.set(name, validate);
	}

	return validate;
}

/** The schema name a real answer must match: by path, method, status and content type. */
export function answerSchema(method: string, path: string, status: number, contentType: string): string | null {
	if (status >= 400 && !(path === '/health' && status === 503)) {
		return 'Error';
	}

	const names: Record<string, string> = {
		'POST /execute_c': 'ExecuteResult',
		'POST /judge_c': contentType.startsWith('text/event-stream') ? 'stream' : 'JudgeResult',
		'GET /health': 'HealthReport',
	};
	return names[`${method} ${path}`] ?? null;
}

/** Each event's `data` schema in a /judge_c stream. */
export const eventSchemas: Readonly<Record<string, string>> = {compile: 'CompileEvent', result: 'TestResult', summary: 'JudgeResult', error: 'Error'};

export const schemaErrors = (validate: ValidateFunction) => JSON.stringify(validate.errors, null, 2);
