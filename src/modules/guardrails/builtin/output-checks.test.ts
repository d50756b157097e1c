import { generateText, wrapLanguageModel } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import { answer, usage } from '../../../../test/support/gateway-fixtures.ts';
import { AppError } from '../../../platform/errors/index.ts';
import type { Guardrail } from '../define-guardrail.ts';
import { guardrailMiddleware } from '../guardrail-middleware.ts';
import { GuardrailSession } from '../guardrail-session.ts';
import { groundednessGuardrail } from './groundedness.guardrail.ts';
import { jsonSchemaGuardrail } from './json-schema.guardrail.ts';

const SOURCE =
  'Employees get 25 days of paid annual leave per calendar year. Unused leave expires at the end of March.';

async function outcome(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => value,
    (error: unknown) => (error instanceof AppError ? { code: error.code, details: error.details } : error),
  );
}

describe('groundednessGuardrail', () => {
  const retrievedThen = async (policy: Guardrail, output: string, sources: readonly string[] = [SOURCE]) => {
    const session = new GuardrailSession({ policies: [policy] });
    for (const source of sources) await session.checkText(source, 'retrieved');
    const checked = await outcome(session.checkText(output, 'output'));
    return { checked, decisions: session.decisions() };
  };

  it('passes an answer whose sentences the retrieved text supports, citations included', async () => {
    const { checked, decisions } = await retrievedThen(
      groundednessGuardrail(),
      'Employees get 25 days of paid annual leave each calendar year [1]. Unused leave expires in March [1].',
    );
    expect(checked).toContain('25 days');
    expect(decisions).toEqual([]);
  });

  it('flags a sentence the sources do not support and a citation of a source that was not retrieved', async () => {
    const { decisions } = await retrievedThen(
      groundednessGuardrail(),
      'Employees get 25 days of paid annual leave [1]. Managers approve remote work from Lisbon offices [2].',
    );
    expect(decisions).toEqual([
      {
        policy: 'groundedness',
        stage: 'output',
        action: 'flag',
        kinds: ['invalid_citation', 'unsupported'],
        count: 2,
      },
    ]);
  });

  it('blocks when asked to, naming the kinds only', async () => {
    const { checked } = await retrievedThen(
      groundednessGuardrail({ name: 'grounded-only', action: 'block' }),
      'Pensions are doubled for every employee who cycles to work.',
    );
    expect(checked).toEqual({
      code: 'GUARDRAIL_BLOCKED',
      details: { policy: 'grounded-only', stage: 'output', kinds: ['unsupported'] },
    });
  });

  it('does not judge a call that retrieved nothing, nor sentences too short to carry a claim', async () => {
    const policy = groundednessGuardrail({ action: 'block' });
    expect((await retrievedThen(policy, 'Pensions are doubled for cyclists.', [])).checked).toBe(
      'Pensions are doubled for cyclists.',
    );
    expect((await retrievedThen(policy, 'Yes, it is.')).checked).toBe('Yes, it is.');
  });

  it('holds a model answer to the <source> passages of its own prompt (the middleware records them)', async () => {
    const session = new GuardrailSession({ policies: [groundednessGuardrail({ action: 'block' })] });
    const model = wrapLanguageModel({
      model: new MockLanguageModelV4({
        doGenerate: async () =>
          answer('Unused leave can be sold back to the company for cash [1].', usage(9, 9)),
      }),
      middleware: guardrailMiddleware(session, { entry: 'model' }),
    });
    const result = await outcome(
      generateText({
        model,
        prompt: `Sources:\n<source id="1" title="Handbook">\n${SOURCE}\n</source>\n\nQuestion: can I sell leave?`,
        maxRetries: 0,
      }),
    );
    expect(session.retrieved).toEqual([`\n${SOURCE}\n`]);
    expect(result).toMatchObject({ code: 'GUARDRAIL_BLOCKED', details: { kinds: ['unsupported'] } });
  });
});

describe('jsonSchemaGuardrail', () => {
  const schema = {
    type: 'object',
    properties: { sentiment: { enum: ['positive', 'negative'] }, score: { type: 'number' } },
    required: ['sentiment'],
    additionalProperties: false,
  };
  const check = (text: string, requireJson = false) =>
    outcome(
      new GuardrailSession({
        policies: [jsonSchemaGuardrail({ name: 'sentiment-json', schema, requireJson })],
      }).checkText(text, 'output'),
    );
  const blocked = (kind: string) => ({
    code: 'GUARDRAIL_BLOCKED',
    details: { policy: 'sentiment-json', stage: 'output', kinds: [kind] },
  });

  it('passes JSON valid against the schema, bare or in a ```json fence', async () => {
    expect(await check('{"sentiment": "positive", "score": 0.9}')).toBe(
      '{"sentiment": "positive", "score": 0.9}',
    );
    expect(await check('```json\n{"sentiment": "negative"}\n```')).toBe(
      '```json\n{"sentiment": "negative"}\n```',
    );
  });

  it('blocks JSON that breaks the schema, and JSON that does not parse', async () => {
    expect(await check('{"sentiment": "meh"}')).toEqual(blocked('schema_violation'));
    expect(await check('{"sentiment": "positive", "extra": 1}')).toEqual(blocked('schema_violation'));
    expect(await check('{"sentiment": "positive",')).toEqual(blocked('invalid_json'));
  });

  it('leaves text that is not JSON unless every text must be', async () => {
    expect(await check('positive')).toBe('positive');
    expect(await check('positive', true)).toEqual(blocked('not_json'));
  });

  it('refuses a schema that is not one when the policy is made', () => {
    expect(() => jsonSchemaGuardrail({ name: 'bad', schema: { type: 'no-such-type' } })).toThrow(
      /not a JSON Schema/,
    );
  });
});
