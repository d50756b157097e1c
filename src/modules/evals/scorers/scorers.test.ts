import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineCapability } from '../../capabilities/index.ts';
import { meanWithInterval, quantile, tQuantile975 } from '../statistics.ts';
import {
  containsScorer,
  costScorer,
  exactScorer,
  fieldsScorer,
  judgeScorer,
  labelScorer,
  latencyScorer,
  numericScorer,
  regexScorer,
  rougeLScorer,
  schemaValidScorer,
} from './builtin-scorers.ts';
import { type AnyScorer, defineScorer, type ScoreSubject } from './define-scorer.ts';
import { cosine, labelMetrics, lcsLength, rougeL, words } from './text-metrics.ts';

describe('ROUGE-L', () => {
  // Lin (2004), "ROUGE: A Package for Automatic Evaluation of Summaries", section 3.1.
  it("scores Lin's example sentences: S2 0.75, S3 0.5 against 'police killed the gunman'", () => {
    const reference = 'police killed the gunman';
    expect(rougeL('police kill the gunman', reference)).toEqual({ precision: 0.75, recall: 0.75, f: 0.75 });
    expect(rougeL('the gunman kill police', reference)).toEqual({ precision: 0.5, recall: 0.5, f: 0.5 });
  });

  // The example of Google's rouge-score package README.
  it('matches rouge-score on the quick brown fox (P 0.625, R 0.5556, F 0.5882)', () => {
    const result = rougeL(
      'The quick brown dog jumps on the log.',
      'The quick brown fox jumps over the lazy dog',
    );
    expect(result.precision).toBeCloseTo(0.625, 6);
    expect(result.recall).toBeCloseTo(5 / 9, 6);
    expect(result.f).toBeCloseTo(0.5882353, 6);
  });

  it('is 0 with nothing in common or an empty side, 1 for identical texts', () => {
    expect(rougeL('alpha beta', 'gamma delta').f).toBe(0);
    expect(rougeL('', 'gamma').f).toBe(0);
    expect(rougeL('Same words, here.', 'same words here').f).toBe(1);
    expect(lcsLength(words('a b c d e'), words('a c e'))).toBe(3);
  });
});

describe('label metrics', () => {
  it('computes accuracy, per-label F1 and macro-F1 from a confusion matrix', () => {
    // A: 8 right, 2 predicted B; B: 9 right, 1 predicted A.
    const pairs = [
      ...Array.from({ length: 8 }, () => ({ expected: 'A', predicted: 'A' })),
      ...Array.from({ length: 2 }, () => ({ expected: 'A', predicted: 'B' })),
      ...Array.from({ length: 1 }, () => ({ expected: 'B', predicted: 'A' })),
      ...Array.from({ length: 9 }, () => ({ expected: 'B', predicted: 'B' })),
    ];
    const metrics = labelMetrics(pairs);
    expect(metrics.accuracy).toBe(0.85);
    expect(metrics.confusion).toEqual({ A: { A: 8, B: 2 }, B: { A: 1, B: 9 } });
    expect(metrics.perLabel.A?.precision).toBeCloseTo(8 / 9, 10);
    expect(metrics.perLabel.A?.recall).toBeCloseTo(0.8, 10);
    expect(metrics.perLabel.A?.f).toBeCloseTo(16 / 19, 10);
    expect(metrics.perLabel.B?.f).toBeCloseTo(6 / 7, 10);
    expect(metrics.macroF1).toBeCloseTo((16 / 19 + 6 / 7) / 2, 10);
  });

  it('gives a label never predicted correctly an F1 of 0', () => {
    const metrics = labelMetrics([
      { expected: 'x', predicted: 'y' },
      { expected: 'y', predicted: 'y' },
    ]);
    expect(metrics.perLabel.x?.f).toBe(0);
    expect(metrics.perLabel.y?.f).toBeCloseTo(2 / 3, 10);
  });
});

describe('statistics', () => {
  it('gives the Student t 95% interval of a sample', () => {
    const interval = meanWithInterval([1, 2, 3, 4, 5], null);
    expect(interval.mean).toBe(3);
    expect(interval.standardDeviation).toBeCloseTo(Math.sqrt(2.5), 10);
    expect(interval.ci95[0]).toBeCloseTo(3 - 2.776 * Math.sqrt(2.5 / 5), 10);
    expect(interval.ci95[1]).toBeCloseTo(3 + 2.776 * Math.sqrt(2.5 / 5), 10);
  });

  it('clamps to the metric range and handles tiny samples', () => {
    expect(meanWithInterval([1, 1, 0]).ci95[1]).toBe(1);
    expect(meanWithInterval([0.4]).ci95).toEqual([0.4, 0.4]);
    expect(meanWithInterval([]).n).toBe(0);
  });

  it('approximates t quantiles beyond the table', () => {
    expect(tQuantile975(30)).toBe(2.042);
    expect(tQuantile975(60)).toBeCloseTo(2.0003, 3);
    expect(tQuantile975(120)).toBeCloseTo(1.9799, 3);
    expect(quantile([5, 1, 3], 0.5)).toBe(3);
    expect(quantile([0, 10], 0.95)).toBeCloseTo(9.5, 10);
  });
});

const capability = defineCapability({
  name: 'scorer-fixture',
  version: '1.0.0',
  summary: 's',
  description: 'd',
  input: z.object({ text: z.string() }),
  output: z.object({ answer: z.string(), total: z.number().optional() }),
  run: async () => ({ answer: '' }),
});

function subject(overrides: Partial<ScoreSubject>): ScoreSubject {
  return {
    capability,
    input: { text: 'hi' },
    output: { answer: 'hello' },
    expected: undefined,
    reference: undefined,
    latencyMs: 10,
    tokens: { input: 3, output: 4 },
    costUsd: null,
    ...overrides,
  };
}
const context = { models: {} as never, signal: new AbortController().signal };
const score = async (scorer: AnyScorer, s: ScoreSubject, options: unknown = {}) =>
  scorer.score(s, scorer.options.parse(options), context);

describe('built-in scorers', () => {
  it('exact compares trimmed strings and objects by content, and skips items without an expected value', async () => {
    expect(
      await score(exactScorer, subject({ output: { answer: ' Hello ' }, expected: { answer: 'Hello' } }), {
        field: 'answer',
      }),
    ).toEqual({ value: 1 });
    expect(
      await score(exactScorer, subject({ output: { answer: 'hello' }, expected: 'Hello' }), {
        field: 'answer',
      }),
    ).toEqual({ value: 0 });
    expect(
      await score(exactScorer, subject({ output: { answer: 'hello' }, expected: 'Hello' }), {
        field: 'answer',
        case_sensitive: false,
      }),
    ).toEqual({ value: 1 });
    expect(await score(exactScorer, subject({ output: { b: 1, a: 2 }, expected: { a: 2, b: 1 } }))).toEqual({
      value: 1,
    });
    expect(await score(exactScorer, subject({}))).toBeNull();
  });

  it('schema-valid checks the capability output schema or a given JSON Schema', async () => {
    expect((await score(schemaValidScorer, subject({ output: { answer: 'x' } })))?.value).toBe(1);
    expect((await score(schemaValidScorer, subject({ output: { answer: 3 } })))?.value).toBe(0);
    const schema = { type: 'object', properties: { total: { type: 'number' } }, required: ['total'] };
    expect((await score(schemaValidScorer, subject({ output: { answer: 'x' } }), { schema }))?.value).toBe(0);
    expect(schemaValidScorer.options.safeParse({ schema: { type: 'no-such-type' } }).success).toBe(false);
  });

  it('fields gives the share of expected fields matched', async () => {
    const result = await score(
      fieldsScorer,
      subject({
        output: { fields: { name: 'ACME ', total: 12, date: '2026-01-01' } },
        expected: { fields: { name: 'acme', total: 13, city: 'Paris', date: '2026-01-01' } },
      }),
      { field: 'fields' },
    );
    expect(result?.value).toBe(0.5);
    expect(result?.details).toEqual({ matched: ['name', 'date'], wrong: ['total'], missing: ['city'] });
  });

  it('label scores accuracy per item and macro-F1 per variant', async () => {
    const right = await score(labelScorer, subject({ output: { label: 'a' }, expected: { label: 'a' } }));
    const wrong = await score(labelScorer, subject({ output: { label: 'b' }, expected: 'a' }));
    expect([right?.value, wrong?.value]).toEqual([1, 0]);
    const aggregate = labelScorer.aggregate?.(
      [right, wrong].filter((s) => s !== null),
      { field: 'label' },
    );
    expect(aggregate?.macro_f1).toBeCloseTo((2 / 3 + 0) / 2, 10);
  });

  it('contains, regex and numeric tolerance', async () => {
    expect(
      (
        await score(containsScorer, subject({ output: { answer: 'Paris is in France' } }), {
          values: ['paris', 'Spain'],
        })
      )?.value,
    ).toBe(0.5);
    expect(
      (await score(regexScorer, subject({ output: { answer: 'order #123' } }), { pattern: '#\\d+' }))?.value,
    ).toBe(1);
    expect(
      (
        await score(numericScorer, subject({ output: { total: 10.4 }, expected: 10 }), {
          field: 'total',
          tolerance: 0.5,
        })
      )?.value,
    ).toBe(1);
    expect(
      (
        await score(numericScorer, subject({ output: { total: 12 }, expected: { total: 10 } }), {
          field: 'total',
          tolerance: 0.1,
          relative: true,
        })
      )?.value,
    ).toBe(0);
  });

  it('ROUGE-L against the reference; latency and cost budgets', async () => {
    expect(
      (
        await score(
          rougeLScorer,
          subject({ output: { answer: 'police kill the gunman' }, reference: 'police killed the gunman' }),
        )
      )?.value,
    ).toBe(0.75);
    expect((await score(latencyScorer, subject({ latencyMs: 120 }), { max_ms: 100 }))?.value).toBe(0);
    expect(
      (await score(costScorer, subject({ tokens: { input: 3, output: 4 } }), { max_tokens: 7 }))?.value,
    ).toBe(1);
    expect((await score(costScorer, subject({ costUsd: 0.02 }), { max_usd: 0.01 }))?.value).toBe(0);
    expect(costScorer.options.safeParse({}).success).toBe(false);
  });

  it('judge stores its prompt and verdict and maps the grade to 0..1', async () => {
    const { MockLanguageModelV4 } = await import('ai/test');
    const model = new MockLanguageModelV4({
      doGenerate: async () => ({
        content: [{ type: 'text', text: 'Verdict: {"grade": 4, "reason": "mostly right"}' }],
        finishReason: { unified: 'stop', raw: 'stop' },
        usage: {
          inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 },
          outputTokens: { total: 1, text: 1, reasoning: 0 },
        },
        warnings: [],
      }),
    });
    const models = { language: () => model } as never;
    const result = await judgeScorer.score(
      subject({}),
      judgeScorer.options.parse({ rubric: 'Is it polite?' }),
      { models, signal: context.signal },
    );
    expect(result?.value).toBe(0.75);
    expect(result?.details).toMatchObject({
      grade: 4,
      reason: 'mostly right',
      verdict: expect.stringContaining('grade'),
    });
    expect(String(result?.details?.prompt)).toContain('Rubric: Is it polite?');
  });

  it('defineScorer declares custom scorers with validated names and options', async () => {
    const lengthScorer = defineScorer({
      name: 'short-enough',
      description: 'at most max characters',
      options: z.object({ max: z.number().int() }),
      score: (s, options) => ({ value: JSON.stringify(s.output).length <= options.max ? 1 : 0 }),
    });
    expect(lengthScorer.kind).toBe('scorer');
    expect(await score(lengthScorer, subject({ output: 'abc' }), { max: 5 })).toEqual({ value: 1 });
    expect(() => defineScorer({ name: 'Bad Name', description: '', score: () => null })).toThrow(TypeError);
    expect(cosine([1, 0], [0, 1])).toBe(0);
  });
});
