import { createRequire } from 'node:module';

// The quality benches validate outputs with an Ajv of their own (JSON Schema 2020-12 with formats), not with
// the validator the engine uses, so the engine cannot grade itself.
const require = createRequire(import.meta.url);

export type SchemaValidator = { compile(schema: object): (value: unknown) => boolean };

export function benchSchemaValidator(): SchemaValidator {
  const Ajv2020 = (require('ajv/dist/2020') as { default: new (options: object) => SchemaValidator }).default;
  const addFormats = (require('ajv-formats') as { default: (ajv: unknown) => void }).default;
  const ajv = new Ajv2020({ strict: false });
  addFormats(ajv);
  return ajv;
}
