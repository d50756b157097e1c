import { createRequire } from 'node:module';
import type { ValidateFunction } from 'ajv';
import { LruCache } from '../embedding/lru-cache.ts';

const require = createRequire(import.meta.url);
type AjvInstance = import('ajv').default;

let ajv: AjvInstance | undefined;
const compiled = new LruCache<string, ValidateFunction>(200);

/** Ajv (JSON Schema 2020-12) with ajv-formats, created on first use. */
function instance(): AjvInstance {
  if (ajv === undefined) {
    const Ajv2020 = (require('ajv/dist/2020') as { default: new (options: object) => AjvInstance }).default;
    const addFormats = (require('ajv-formats') as { default: (ajv: AjvInstance) => void }).default;
    ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: true });
    addFormats(ajv);
  }
  return ajv;
}

export interface SchemaViolation {
  readonly instancePath: string;
  readonly keyword: string;
  readonly message: string;
}

/** A compiled validator for a JSON Schema (without `$schema`), cached by the schema's JSON text. */
export function validatorFor(schema: object): ValidateFunction {
  const key = JSON.stringify(schema);
  let validate = compiled.get(key);
  if (validate === undefined) {
    validate = instance().compile(schema);
    compiled.set(key, validate);
  }
  return validate;
}

export function violations(schema: object, value: unknown): SchemaViolation[] {
  const validate = validatorFor(schema);
  if (validate(value)) return [];
  return (validate.errors ?? []).map((error) => ({
    instancePath: error.instancePath,
    keyword: error.keyword,
    message: error.message ?? error.keyword,
  }));
}

/** Whether the JSON Schema itself is well-formed (Ajv's meta-schema check). */
export function schemaErrors(schema: object): string[] {
  const validator = instance();
  if (validator.validateSchema(schema) === true) return [];
  return (validator.errors ?? []).map(
    (error) => `${error.instancePath || '/'} ${error.message ?? error.keyword}`,
  );
}
