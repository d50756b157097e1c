import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../platform/errors/index.ts';
import { extract } from './extract.ts';
import { compileExtractionSchema } from './schema-plan.ts';

const require = createRequire(import.meta.url);
const Ajv2020 = (
  require('ajv/dist/2020') as {
    default: new (
      options: object,
    ) => { compile(schema: object): ((value: unknown) => boolean) & { errors?: unknown } };
  }
).default;
const addFormats = (require('ajv-formats') as { default: (ajv: unknown) => void }).default;
/** An Ajv of the test's own, so the engine's output is not judged by the engine's validator. */
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);

const INVOICE = `INVOICE
Invoice number: INV-2024-0193
From: Northwind Traders Ltd
Total due: $4,310.00
Due date: 2024-07-15
Questions? Write to accounts@northwind.example or call +1 (555) 010-2233.
Status: unpaid. Discount 15% applies. See https://northwind.example/pay.`;

const INVOICE_SCHEMA = {
  type: 'object',
  required: ['total', 'customer'],
  properties: {
    invoice_number: { type: 'string' },
    company: { type: 'string' },
    total: { type: 'number' },
    currency: { type: 'string', enum: ['USD', 'EUR', 'GBP'] },
    due_date: { type: 'string', format: 'date' },
    email: { type: 'string', format: 'email' },
    phone: { type: 'string' },
    website: { type: 'string', format: 'uri' },
    discount: { type: 'number' },
    paid: { type: 'boolean' },
    customer: { type: ['string', 'null'] },
  },
};

describe('extract', () => {
  it('fills fields by label, type and name, and lists required fields it could not find', async () => {
    const result = await extract({ text: INVOICE, schema: INVOICE_SCHEMA }, { embedder: null });
    expect(result.data).toEqual({
      invoice_number: 'INV-2024-0193',
      company: 'Northwind Traders Ltd',
      total: 4310,
      currency: 'USD',
      due_date: '2024-07-15',
      email: 'accounts@northwind.example',
      phone: '+1 (555) 010-2233',
      website: 'https://northwind.example/pay',
      discount: 15,
      paid: false,
      customer: null,
    });
    expect(result.missing).toEqual(['/customer']);
    expect(result).toMatchObject({ engine: 'local', model: 'rules' });
    expect(ajv.compile(INVOICE_SCHEMA)(result.data)).toBe(true);
  });

  it('handles nested objects, arrays and date-times, with JSON Pointers into nested fields', async () => {
    const schema = {
      type: 'object',
      required: ['meeting'],
      properties: {
        meeting: {
          type: 'object',
          required: ['topic', 'room'],
          properties: {
            topic: { type: 'string' },
            starts_at: { type: 'string', format: 'date-time' },
            room: { type: 'string', default: 'unknown' },
          },
        },
        attendees: { type: 'array', items: { type: 'string', format: 'email' }, maxItems: 2 },
        tags: { type: 'array', items: { type: 'string' } },
      },
    };
    const text =
      'Topic: Budget review\nWhen: 2025-03-12 16:15\nAttendees: a@x.example, b@x.example, c@x.example\nTags: finance, q1; planning';
    const result = await extract({ text, schema }, { embedder: null });
    expect(result.data).toEqual({
      meeting: { topic: 'Budget review', starts_at: '2025-03-12T16:15:00Z', room: 'unknown' },
      attendees: ['a@x.example', 'b@x.example'],
      tags: ['finance', 'q1', 'planning'],
    });
    expect(result.missing).toEqual(['/meeting/room']);
  });

  it('returns the placeholder document for empty or unrelated text', async () => {
    const schema = {
      type: 'object',
      required: ['count', 'level', 'flag', 'items'],
      properties: {
        count: { type: 'integer', minimum: 3 },
        level: { enum: ['low', 'high'] },
        flag: { type: 'boolean' },
        items: { type: 'array', items: { type: 'number' } },
        note: { type: 'string' },
      },
    };
    for (const text of ['', '🙂 ☃ 東京', 'x'.repeat(10_000)]) {
      const result = await extract({ text, schema }, { embedder: null });
      expect(result.data).toEqual({ count: 3, level: 'low', flag: false, items: [] });
      expect(result.missing.sort()).toEqual(['/count', '/flag', '/items', '/level']);
    }
  });

  it('refuses schemas it cannot promise valid output for, saying where', () => {
    const refusal = (schema: unknown) => {
      try {
        compileExtractionSchema(schema);
      } catch (error) {
        expect(error).toBeInstanceOf(AppError);
        expect((error as AppError).code).toBe('LOCAL_ENGINE_SCHEMA_UNSUPPORTED');
        return (error as AppError).errors?.map((entry) => entry.pointer) ?? [];
      }
      throw new Error('not refused');
    };
    expect(
      refusal({
        type: 'object',
        required: ['email'],
        properties: { email: { type: 'string', format: 'email' } },
      }),
    ).toEqual(['/properties/email']);
    expect(refusal({ type: 'object', properties: { a: { anyOf: [{ type: 'string' }] } } })).toEqual([
      '/properties/a',
    ]);
    expect(
      refusal({ type: 'object', properties: { a: { type: 'string', anyOf: [{ type: 'string' }] } } }),
    ).toEqual(['/properties/a/anyOf']);
    expect(refusal({ type: 'object', properties: { a: { type: 'object', $ref: '#/$defs/x' } } })).toContain(
      '/properties/a/$ref',
    );
    expect(refusal({ type: 'object', properties: { a: { type: 'string', format: 'hostname' } } })).toEqual([
      '/properties/a/format',
    ]);
    expect(refusal({ type: 'array', items: { type: 'string' } })).toEqual(['/type']);
    expect(refusal('not a schema')).toEqual(['/']);
    expect(refusal({ type: 'object', properties: { a: { type: 'strin' } } })[0]).toBe('/');
    let deep: object = { type: 'string' };
    for (let level = 0; level < 8; level++) deep = { type: 'object', properties: { a: deep } };
    expect(refusal(deep).length).toBeGreaterThan(0);
    const wide = {
      type: 'object',
      properties: Object.fromEntries(
        Array.from({ length: 250 }, (_, index) => [`f${index}`, { type: 'string' }]),
      ),
    };
    expect(refusal(wide)).toEqual(['/properties/f199']);
    // The same field, nullable, is accepted: null is its "not found" value.
    const nullable = compileExtractionSchema({
      type: 'object',
      required: ['email'],
      properties: { email: { type: ['string', 'null'], format: 'email' } },
    });
    expect(nullable.root.placeholder).toEqual({ value: { email: null } });
  });

  it('accepts a $schema header and a compiled plan, and honours an aborted signal', async () => {
    const plan = compileExtractionSchema({
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: { email: { type: 'string', format: 'email' } },
    });
    expect((await extract({ text: 'mail me: a@b.example', schema: plan }, { embedder: null })).data).toEqual({
      email: 'a@b.example',
    });
    const controller = new AbortController();
    controller.abort(new Error('gone'));
    await expect(extract({ text: 'x', schema: plan }, { signal: controller.signal })).rejects.toThrow('gone');
    await expect(extract({ text: 'x'.repeat(200_001), schema: plan })).rejects.toMatchObject({
      code: 'LOCAL_ENGINE_INPUT_TOO_LARGE',
    });
  });
});

// ---- property: any accepted schema, any text -> output valid against the schema -------------------------

const FIELD_NAMES = [
  'email',
  'total',
  'due_date',
  'company',
  'name',
  'phone',
  'priority',
  'count',
  'paid',
  'url',
  'tags',
  'items',
  'start',
  'price',
  'id',
  'notes',
];

type Schema = Record<string, unknown>;

const leaf: fc.Arbitrary<Schema> = fc.oneof(
  fc.record(
    {
      type: fc.constant('string'),
      format: fc.constantFrom('email', 'uri', 'date', 'date-time', 'time', 'uuid', 'ipv4'),
      default: fc.constantFrom('2024-01-01', 'a@b.co'),
    },
    { requiredKeys: ['type'] },
  ),
  fc.record(
    {
      type: fc.constant('string'),
      minLength: fc.integer({ min: 0, max: 3 }),
      maxLength: fc.integer({ min: 3, max: 12 }),
      pattern: fc.constantFrom('^[A-Z]', '\\d'),
    },
    { requiredKeys: ['type'] },
  ),
  fc.record(
    {
      type: fc.constantFrom('number', 'integer'),
      minimum: fc.integer({ min: -5, max: 10 }),
      maximum: fc.integer({ min: 10, max: 10_000 }),
      multipleOf: fc.constantFrom(1, 5),
    },
    { requiredKeys: ['type'] },
  ),
  fc.record({ type: fc.constant('boolean') }),
  fc.record({
    enum: fc.uniqueArray(fc.constantFrom('low', 'high', 'urgent', 'USD', 'EUR', 1, 2, null), {
      minLength: 1,
      maxLength: 4,
    }),
  }),
  fc.record({ type: fc.constant(['string', 'null']), format: fc.constantFrom('email', 'date') }),
);

const schemaArbitrary: fc.Arbitrary<Schema> = fc.letrec<{ node: Schema; object: Schema }>((tie) => ({
  node: fc.oneof(
    { maxDepth: 3, depthIdentifier: 'schema' },
    leaf,
    fc.record(
      {
        type: fc.constant('array'),
        items: fc.oneof(leaf, tie('object')),
        minItems: fc.constantFrom(0, 1),
        maxItems: fc.integer({ min: 1, max: 4 }),
        uniqueItems: fc.boolean(),
      },
      { requiredKeys: ['type', 'items'] },
    ),
    tie('object'),
  ),
  object: fc
    .uniqueArray(fc.tuple(fc.constantFrom(...FIELD_NAMES), tie('node'), fc.boolean()), {
      maxLength: 5,
      selector: ([name]) => name,
      depthIdentifier: 'schema',
    })
    .map((fields) => ({
      type: 'object',
      properties: Object.fromEntries(fields.map(([name, schema]) => [name, schema])),
      required: fields.filter(([, , required]) => required).map(([name]) => name),
    })),
})).object;

const SNIPPETS = [
  'Total: $1,234.50',
  'Due date: 2024-02-30',
  'due 03/04/2025',
  'Email: someone@example.com',
  'priority: urgent',
  'https://example.org/x.',
  'Phone +44 20 7946 0958',
  'Paid: no',
  'count = 7',
  'Tags: a, b, b, c',
  'id: 9f1b2c3d-1111-2222-3333-444455556666',
  'at 10:30 pm',
  'Company: Example Ltd',
  '192.168.0.1',
  'price -3',
  'Ünïcödé ✓ 東京',
  'Name: Ada Lovelace',
  'Start: 2025-01-01T10:00:00+01:00',
];

describe('extract (property)', () => {
  it('output always validates against any accepted schema, or the schema is refused with LOCAL_ENGINE_SCHEMA_UNSUPPORTED', async () => {
    const text = fc
      .array(fc.oneof(fc.constantFrom(...SNIPPETS), fc.string({ maxLength: 30 })), { maxLength: 8 })
      .map((parts) => parts.join('\n'));
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(schemaArbitrary, text, async (schema, input) => {
        let plan: ReturnType<typeof compileExtractionSchema>;
        try {
          plan = compileExtractionSchema(schema);
        } catch (error) {
          expect((error as AppError).code).toBe('LOCAL_ENGINE_SCHEMA_UNSUPPORTED');
          return;
        }
        accepted++;
        const result = await extract({ text: input, schema: plan }, { embedder: null });
        const validate = ajv.compile(schema);
        expect(
          validate(result.data),
          JSON.stringify({ schema, data: result.data, errors: validate.errors }),
        ).toBe(true);
        expect(new Set(result.missing).size).toBe(result.missing.length);
        for (const pointer of result.missing) expect(pointer).toMatch(/^(\/[^/]+)+$/);
      }),
      { numRuns: 150 },
    );
    expect(accepted).toBeGreaterThan(50);
  });
});
