import { createRequire } from 'node:module';
import { jsonSchema } from 'ai';
import type { ValidateFunction } from 'ajv';
import { z } from 'zod';
import {
  compileExtractionSchema,
  type ExtractionPlan,
  LOCAL_ENGINE_LIMITS,
  locateEvidence,
} from '../../../local-engine/index.ts';
import { variantSystem } from '../capability-variant.ts';
import type { CapabilityContext } from '../define-capability.ts';
import { defineCapability } from '../define-capability.ts';
import {
  chooseEngine,
  engineFields,
  localProvenance,
  modelChoiceField,
  modelProvenance,
} from '../engine-choice.ts';
import { type BuiltinCapabilityOptions, engineOf } from './builtin-options.ts';

export const extractInputSchema = z
  .object({
    text: z
      .string()
      .trim()
      .min(1)
      .max(LOCAL_ENGINE_LIMITS.maxTextChars)
      .describe('The text to extract from.'),
    schema: z
      .record(z.string(), z.unknown())
      .describe(
        'A JSON Schema object describing `data`: strings (formats email, uri, url, date, date-time, time, uuid, ipv4), numbers, integers, booleans, enums, arrays and nested objects; at most 200 subschemas, depth 6, 64 KB. Required fields need a valid empty value (nullable or a `default`) unless always present.',
      ),
    instructions: z
      .string()
      .trim()
      .min(1)
      .max(4_000)
      .optional()
      .describe('Extra guidance for a model (conventions, what to prefer). The local engine ignores it.'),
    unsupported: z
      .enum(['flag', 'drop'])
      .default('flag')
      .describe(
        'What to do with a model’s value the text does not contain (the evidence check): `flag` lists it in `unsupported`, `drop` also removes it (a required field then gets its placeholder and goes to `missing`). The local engine never returns such values.',
      ),
    model: modelChoiceField,
  })
  .strict()
  .meta({ id: 'ExtractRequest', title: 'ExtractRequest' });

export const extractOutputSchema = z
  .object({
    data: z.record(z.string(), z.unknown()).describe('Valid against the request’s `schema`, always.'),
    missing: z
      .array(z.string())
      .describe(
        'JSON Pointers of required fields the text does not state. Each holds its placeholder in `data` (null when nullable, else its `default`, else the empty value of its type).',
      ),
    evidence: z
      .record(
        z.string(),
        z
          .object({
            start: z.number().int().min(0).describe('Offset of the quote in `text` (UTF-16 code units).'),
            end: z
              .number()
              .int()
              .min(0)
              .describe('End offset (exclusive): `text.slice(start, end) === quote`.'),
            quote: z.string().describe('The text the value was read from.'),
            confidence: z
              .number()
              .min(0)
              .max(1)
              .describe('0..1; the local engine returns no value under 0.5 (the field is missing instead).'),
          })
          .meta({ id: 'ExtractEvidence', title: 'ExtractEvidence' }),
      )
      .optional()
      .describe(
        'Where each returned value was read, by the JSON Pointer of the value (array items by index). Always present on the local engine, which returns a value only when the text ties it to the field (a label, a nearby mention, its type) and the quote holds it. On a model, the first place the text writes each string or number (confidence 0.5).',
      ),
    unsupported: z
      .array(z.string())
      .optional()
      .describe(
        'Model answers only: JSON Pointers of strings and numbers the text does not contain (with `unsupported: "drop"`, removed from `data`).',
      ),
    ...engineFields,
  })
  .meta({ id: 'ExtractResponse', title: 'ExtractResponse' });

type ExtractInput = z.output<typeof extractInputSchema>;
type ExtractOutput = z.input<typeof extractOutputSchema>;
type PlanNode = ExtractionPlan['root'] | ExtractionPlan['root']['properties'][number]['node'];

const require = createRequire(import.meta.url);
type AjvInstance = import('ajv').default;
let ajv: AjvInstance | undefined;
/** Compiled validators by schema text; bounded, and evicted schemas leave Ajv's own cache too. */
const compiled = new Map<string, { readonly schema: object; readonly validate: ValidateFunction }>();
const MAX_COMPILED = 100;

/** The user's schema compiled by Ajv (2020-12, with formats), the same dialect the local engine validates with. */
function validatorFor(schema: object): ValidateFunction {
  if (ajv === undefined) {
    const Ajv2020 = (require('ajv/dist/2020') as { default: new (options: object) => AjvInstance }).default;
    const addFormats = (require('ajv-formats') as { default: (instance: AjvInstance) => void }).default;
    ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
  }
  const key = JSON.stringify(schema);
  const cached = compiled.get(key);
  if (cached !== undefined) {
    compiled.delete(key);
    compiled.set(key, cached);
    return cached.validate;
  }
  const validate = ajv.compile(schema);
  compiled.set(key, { schema, validate });
  if (compiled.size > MAX_COMPILED) {
    const [oldestKey, oldest] = compiled.entries().next().value as [string, { schema: object }];
    compiled.delete(oldestKey);
    ajv.removeSchema(oldest.schema);
  }
  return validate;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function escapePointer(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** The schema the model is asked for: the user's, with nothing required, so it can leave out what is not stated. */
export function relaxedSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(relaxedSchema);
  if (!isRecord(schema)) return schema;
  const relaxed: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'required') continue;
    if (key === 'properties' && isRecord(value)) {
      relaxed[key] = Object.fromEntries(
        Object.entries(value).map(([name, child]) => [name, relaxedSchema(child)]),
      );
    } else relaxed[key] = key === 'items' ? relaxedSchema(value) : value;
  }
  return relaxed;
}

/**
 * A model's answer made into `data` the way the local engine makes its own: a field left out (or null)
 * is not stated; a required one gets its placeholder and its JSON Pointer in `missing`; properties the
 * schema closes with `additionalProperties: false` are dropped.
 */
export function fillMissing(node: PlanNode, value: unknown, pointer: string, missing: string[]): unknown {
  if (node.kind === 'object' && isRecord(value)) {
    const known = new Set(node.properties.map((property) => property.name));
    const filled: Record<string, unknown> = {};
    for (const [name, child] of Object.entries(value)) {
      if (!known.has(name) && node.schema.additionalProperties !== false) filled[name] = child;
    }
    for (const property of node.properties) {
      const child = value[property.name];
      const at = `${pointer}/${escapePointer(property.name)}`;
      if (child === undefined || child === null) {
        if (property.required) {
          filled[property.name] = property.node.placeholder?.value ?? null;
          missing.push(at);
        }
        continue;
      }
      filled[property.name] = fillMissing(property.node, child, at, missing);
    }
    return filled;
  }
  if (node.kind === 'array' && Array.isArray(value)) {
    return value.map((item, index) => fillMissing(node.items, item, `${pointer}/${index}`, missing));
  }
  return value;
}

class SchemaMismatch extends Error {
  readonly issues: Array<{ path: string[]; message: string }>;
  constructor(issues: Array<{ path: string[]; message: string }>) {
    super('the answer does not match the schema');
    this.issues = issues;
  }
}

export function extractionPrompt(input: ExtractInput): string {
  const instructions = input.instructions === undefined ? '' : `\nInstructions: ${input.instructions}`;
  return `Extract the values the text between <text> tags states, as JSON matching the schema. Leave out any field the text does not state; never guess or invent a value. Write dates as YYYY-MM-DD.${instructions}\n\n<text>\n${input.text}\n</text>`;
}

async function extractWithModel(
  input: ExtractInput,
  plan: ExtractionPlan,
  context: CapabilityContext,
  modelName: string | undefined,
): Promise<ExtractOutput> {
  const validate = validatorFor(plan.schema);
  const schema = jsonSchema<{ data: Record<string, unknown>; missing: string[] }>(
    relaxedSchema(plan.schema) as Parameters<typeof jsonSchema>[0],
    {
      validate: (value) => {
        if (!isRecord(value)) {
          return { success: false, error: new SchemaMismatch([{ path: [], message: 'must be an object' }]) };
        }
        const missing: string[] = [];
        const data = fillMissing(plan.root, value, '', missing) as Record<string, unknown>;
        if (validate(data)) return { success: true, value: { data, missing } };
        const issues = (validate.errors ?? []).map((error) => ({
          path: error.instancePath.split('/').slice(1),
          message: error.message ?? 'is not valid',
        }));
        return { success: false, error: new SchemaMismatch(issues) };
      },
    },
  );
  const { object } = await context.models.object({
    ...variantSystem(context.variant),
    schema,
    prompt: extractionPrompt(input),
    name: 'extraction',
    description: 'The values the text states, by the caller’s schema.',
    temperature: 0,
    ...(modelName === undefined ? {} : { model: modelName }),
  });
  await context.emit({ type: 'object-delta', partial: object });
  const checked = locateEvidence(input.text, plan, object.data, object.missing);
  let { data, missing } = object;
  if (input.unsupported === 'drop' && checked.unsupported.length > 0) {
    ({ data, missing } = dropUnsupported(plan, data, missing, checked.unsupported));
  }
  return {
    data,
    missing,
    evidence: checked.evidence,
    unsupported: checked.unsupported,
    ...modelProvenance(context),
  };
}

/**
 * Removes values the text does not support from `data`: a required property gets its placeholder and
 * its pointer in `missing`, an optional one is deleted; items inside arrays are left (flagged only).
 */
function dropUnsupported(
  plan: ExtractionPlan,
  data: Record<string, unknown>,
  missing: readonly string[],
  unsupported: readonly string[],
): { data: Record<string, unknown>; missing: string[] } {
  const copy = structuredClone(data);
  const stillMissing = [...missing];
  for (const pointer of unsupported) {
    const segments = pointer
      .split('/')
      .slice(1)
      .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
    let node: PlanNode = plan.root;
    let parent: Record<string, unknown> | undefined = copy;
    for (const [index, segment] of segments.entries()) {
      if (node.kind !== 'object' || parent === undefined) break;
      const property = node.properties.find((candidate) => candidate.name === segment);
      if (property === undefined) break;
      if (index === segments.length - 1) {
        if (property.required) {
          parent[segment] = property.node.placeholder?.value ?? null;
          stillMissing.push(pointer);
        } else delete parent[segment];
        break;
      }
      node = property.node as PlanNode;
      const next: unknown = parent[segment];
      parent = isRecord(next) ? next : undefined;
    }
  }
  return { data: copy, missing: stillMissing };
}

/** `extract`, on the local engine unless a model serves it; `options` configures the local engine. */
export function createExtractCapability(options: BuiltinCapabilityOptions = {}) {
  const local = engineOf(options);
  return defineCapability({
    name: 'extract',
    version: '1.0.0',
    summary: 'Extract structured data from a text by a JSON Schema',
    description:
      'Fills your JSON Schema from `text`: `data` always validates against `schema`; required fields the text does not state hold a placeholder and are listed in `missing` (JSON Pointers). Schemas outside the supported subset are refused with 422 `LOCAL_ENGINE_SCHEMA_UNSUPPORTED` before any model is called. **Engines:** the local engine uses type- and name-aware extractors (labels, e-mails, URLs, phones, dates, money, numbers, booleans, enums, parties by role) and works with no model configured; it abstains rather than guesses (a value comes back only when the text ties it to the field) and gives every value its `evidence` (span, quote, confidence); a model answers through JSON-schema structured output, validated against your schema and re-asked when it breaks it. `model`: `local`, an alias or `provider:model`.',
    input: extractInputSchema,
    output: extractOutputSchema,
    examples: [
      {
        summary: 'An invoice, on the local engine',
        input: {
          text: 'Invoice INV-2041\nCustomer: Acme Corp\nContact: billing@acme.example\nTotal: $1,250.00\nDue: 2026-12-15\nPaid: no',
          schema: {
            type: 'object',
            properties: {
              customer: { type: 'string' },
              email: { type: ['string', 'null'], format: 'email' },
              total: { type: 'number' },
              due_date: { type: ['string', 'null'], format: 'date' },
              paid: { type: 'boolean' },
              po_number: { type: ['string', 'null'] },
            },
            required: ['customer', 'email', 'total', 'due_date', 'paid', 'po_number'],
          },
          model: 'local',
        },
        output: {
          data: {
            customer: 'Acme Corp',
            email: 'billing@acme.example',
            total: 1250,
            due_date: '2026-12-15',
            paid: false,
            po_number: null,
          },
          missing: ['/po_number'],
          evidence: {
            '/customer': { start: 27, end: 36, quote: 'Acme Corp', confidence: 0.9 },
            '/email': { start: 46, end: 66, quote: 'billing@acme.example', confidence: 0.87 },
            '/total': { start: 74, end: 83, quote: '$1,250.00', confidence: 0.9 },
            '/due_date': { start: 89, end: 99, quote: '2026-12-15', confidence: 0.9 },
            '/paid': { start: 106, end: 108, quote: 'no', confidence: 0.9 },
          },
          engine: 'local',
          model: 'rules',
          usage: { input_tokens: 0, output_tokens: 0 },
        },
      },
    ],
    async run(input, context): Promise<ExtractOutput> {
      // Refuses an unsupported schema (422, one error per place) before any model is called.
      const plan = compileExtractionSchema(input.schema);
      const engine = chooseEngine(context, input.model);
      if (engine.kind === 'model') return extractWithModel(input, plan, context, engine.name);
      // The schema as sent: the engine may run on another thread, where it compiles its own plan.
      const result = await local.extract(
        { text: input.text, schema: input.schema },
        { signal: context.signal },
      );
      await context.emit({ type: 'object-delta', partial: { data: result.data, missing: result.missing } });
      return {
        data: result.data,
        missing: result.missing,
        evidence: result.evidence,
        ...localProvenance(result.model),
      };
    },
  });
}

export const extractCapability = createExtractCapability();
