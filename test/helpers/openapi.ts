import {Ajv2020, type ValidateFunction} from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import {openApiDocument} from '../../src/openapi.ts';

// The OpenAPI document, added whole as one schema: a value is checked against the schema at its place in the
// document, and `#/components/...` references resolve within it. Its own top-level fields are keywords that check
// nothing. Strict: an unknown keyword (a typo such as `minlength`) or an ambiguous type is an error.
const documentId = 'https://c-runner.invalid/openapi.json';
const ajv = new Ajv2020({strict: true, allErrors: true, allowUnionTypes: true});
// ajv-formats is CommonJS: its function is both `module.exports` and `.default`; the typings know only the latter.
addFormats.default(ajv);
ajv.addVocabulary(Object.keys(openApiDocument));
ajv.addSchema(structuredClone(openApiDocument), documentId);
const validators = new Map<string, ValidateFunction>();

/** A validator for the schema at a JSON pointer of the document (`/components/schemas/X`); compiled once. */
export function schemaAt(pointer: string): ValidateFunction {
	const validate = validators.get(pointer) ?? ajv.compile({$ref: `${documentId}#${pointer}`});
	validators.set(pointer, validate);
	return validate;
}
