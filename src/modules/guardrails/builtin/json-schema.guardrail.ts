import { schemaErrors, violations } from '../../../local-engine/index.ts';
import {
  defineGuardrail,
  type Guardrail,
  type GuardrailAction,
  type GuardrailFinding,
} from '../define-guardrail.ts';

export interface JsonSchemaGuardrailOptions {
  readonly name: string;
  /** A JSON Schema (2020-12, with formats): the same validator `extract` and the local engine use. */
  readonly schema: object;
  /** Default `block`. */
  readonly action?: Exclude<GuardrailAction, 'redact'>;
  /**
   * Whether every output text must be JSON (`not_json` otherwise): for a surface whose whole answer is one
   * text (`/openai/v1` in JSON mode). Default false: only texts that look like JSON (`{`, `[`, a ```json
   * fence) are checked, so the other strings of a capability's output pass.
   */
  readonly requireJson?: boolean;
}

/** A fenced block (```json ... ```) or the text itself, trimmed. */
function jsonOf(text: string): string {
  const fenced = /^```(?:json)?[ \t]*\n([\s\S]*?)\n?```$/i.exec(text.trim());
  return (fenced?.[1] ?? text).trim();
}

/**
 * Output that must be JSON valid against a schema: `invalid_json` when it does not parse,
 * `schema_violation` when it breaks the schema (the problem names the kinds, never the text). Whole texts
 * only: in a stream it runs once the output is complete.
 */
export function jsonSchemaGuardrail(options: JsonSchemaGuardrailOptions): Guardrail {
  const problems = schemaErrors(options.schema);
  if (problems.length > 0) {
    throw new TypeError(`jsonSchemaGuardrail ${options.name}: not a JSON Schema (${problems.join('; ')})`);
  }
  return defineGuardrail({
    name: options.name,
    description: 'Output is JSON valid against a schema.',
    stages: ['output'],
    action: options.action ?? 'block',
    window: 'whole',
    check: (text) => {
      const json = jsonOf(text);
      const whole: Omit<GuardrailFinding, 'kind'> = { start: 0, end: text.length };
      if (!/^[[{]/.test(json)) return options.requireJson === true ? [{ kind: 'not_json', ...whole }] : [];
      let value: unknown;
      try {
        value = JSON.parse(json);
      } catch {
        return [{ kind: 'invalid_json', ...whole }];
      }
      return violations(options.schema, value).length === 0 ? [] : [{ kind: 'schema_violation', ...whole }];
    },
  });
}
