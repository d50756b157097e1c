import { embedMany, generateText } from 'ai';
import { z } from 'zod';
import {
  type AnyScorer,
  asText,
  canonical,
  defineScorer,
  expectedAt,
  pick,
  type Score,
} from './define-scorer.ts';
import { cosine, labelMetrics, rougeL } from './text-metrics.ts';

const field = z
  .string()
  .max(200)
  .optional()
  .describe('Dot path of the output value to score (`label`, `fields.total`); omitted: the whole output.');

const present = (value: unknown) => value !== undefined && value !== null;
const bool = (pass: boolean, details?: Record<string, unknown>): Score => ({
  value: pass ? 1 : 0,
  ...(details ? { details } : {}),
});

function normalise(value: unknown, caseSensitive: boolean, trim: boolean): string {
  if (typeof value !== 'string') return canonical(value);
  let text = trim ? value.trim().replace(/\s+/g, ' ') : value;
  if (!caseSensitive) text = text.toLowerCase();
  return text;
}

export const exactScorer = defineScorer({
  name: 'exact',
  description:
    'Whether the output (or its `field`) equals the expected value: strings after trimming, objects by content.',
  options: z
    .object({ field, case_sensitive: z.boolean().default(true), trim: z.boolean().default(true) })
    .strict(),
  score(subject, options) {
    const expected = expectedAt(subject.expected, options.field);
    if (!present(expected)) return null;
    const actual = pick(subject.output, options.field);
    return bool(
      normalise(actual, options.case_sensitive, options.trim) ===
        normalise(expected, options.case_sensitive, options.trim),
    );
  },
});

export const schemaValidScorer = defineScorer({
  name: 'schema-valid',
  description:
    "Whether the output matches the capability's output schema, or the JSON Schema given in `schema` (checked with Zod's JSON Schema import).",
  options: z
    .object({
      schema: z
        .record(z.string(), z.unknown())
        .optional()
        .refine((schema) => {
          if (schema === undefined) return true;
          try {
            z.fromJSONSchema(schema as never);
            return true;
          } catch {
            return false;
          }
        }, 'not a JSON Schema Zod can read'),
    })
    .strict(),
  score(subject, options) {
    const schema = options.schema ? z.fromJSONSchema(options.schema as never) : subject.capability.output;
    const parsed = (schema as z.ZodType).safeParse(subject.output);
    return bool(
      parsed.success,
      parsed.success
        ? undefined
        : {
            issues: parsed.error.issues
              .slice(0, 5)
              .map((issue) => `${issue.path.join('.')}: ${issue.message}`),
          },
    );
  },
});

export const fieldsScorer = defineScorer({
  name: 'fields',
  description:
    "Field-level match for `extract`: the share of the expected object's fields the output has with an equal value (strings compared trimmed and case-insensitively).",
  options: z.object({ field }).strict(),
  score(subject, options) {
    const expected = expectedAt(subject.expected, options.field);
    if (!expected || typeof expected !== 'object' || Array.isArray(expected)) return null;
    const actual = pick(subject.output, options.field);
    const keys = Object.keys(expected);
    if (keys.length === 0) return null;
    const matched: string[] = [];
    const wrong: string[] = [];
    const missing: string[] = [];
    for (const key of keys) {
      const want = (expected as Record<string, unknown>)[key];
      const got = actual && typeof actual === 'object' ? (actual as Record<string, unknown>)[key] : undefined;
      if (!present(got)) (present(want) ? missing : matched).push(key);
      else if (normalise(got, false, true) === normalise(want, false, true)) matched.push(key);
      else wrong.push(key);
    }
    return { value: matched.length / keys.length, details: { matched, wrong, missing } };
  },
});

export const labelScorer = defineScorer({
  name: 'label',
  description:
    'Label accuracy for `classify` (1 when the predicted label at `field`, default `label`, equals the expected one); per variant it also reports `label.macro_f1` over the confusion matrix.',
  options: z.object({ field: field.default('label') }).strict(),
  score(subject, options) {
    const expected = expectedAt(subject.expected, options.field);
    if (!present(expected)) return null;
    const predicted = pick(subject.output, options.field);
    const expectedLabel = asText(expected);
    const predictedLabel = predicted === undefined || predicted === null ? '(none)' : asText(predicted);
    return bool(expectedLabel === predictedLabel, { expected: expectedLabel, predicted: predictedLabel });
  },
  aggregate(scores) {
    const pairs = scores.map((score) => ({
      expected: String(score.details?.expected ?? ''),
      predicted: String(score.details?.predicted ?? ''),
    }));
    return { macro_f1: labelMetrics(pairs).macroF1 };
  },
});

export const containsScorer = defineScorer({
  name: 'contains',
  description:
    'The share of `values` the output text contains (default: the expected text or the reference), case-insensitive unless `case_sensitive`.',
  options: z
    .object({
      field,
      values: z.array(z.string().min(1)).max(100).optional(),
      case_sensitive: z.boolean().default(false),
    })
    .strict(),
  score(subject, options) {
    const wanted =
      options.values ??
      [
        ...(present(subject.expected) ? [asText(expectedAt(subject.expected, options.field))] : []),
        ...(subject.reference === undefined ? [] : [subject.reference]),
      ].slice(0, 1);
    if (wanted.length === 0) return null;
    const fold = (text: string) => (options.case_sensitive ? text : text.toLowerCase());
    const text = fold(asText(pick(subject.output, options.field)));
    const found = wanted.filter((value) => text.includes(fold(value)));
    return {
      value: found.length / wanted.length,
      details: { missing: wanted.filter((value) => !found.includes(value)) },
    };
  },
});

export const regexScorer = defineScorer({
  name: 'regex',
  description: 'Whether the output text matches `pattern` (a JavaScript regular expression with `flags`).',
  options: z
    .object({
      field,
      pattern: z
        .string()
        .min(1)
        .max(1000)
        .refine((pattern) => {
          try {
            new RegExp(pattern);
            return true;
          } catch {
            return false;
          }
        }, 'not a valid regular expression'),
      flags: z
        .string()
        .regex(/^[imsu]*$/)
        .default(''),
    })
    .strict(),
  score(subject, options) {
    return bool(new RegExp(options.pattern, options.flags).test(asText(pick(subject.output, options.field))));
  },
});

export const numericScorer = defineScorer({
  name: 'numeric',
  description:
    'Whether the number at `field` is within `tolerance` of the expected number (absolute, or relative to it with `relative: true`).',
  options: z
    .object({ field, tolerance: z.number().min(0).default(0), relative: z.boolean().default(false) })
    .strict(),
  score(subject, options) {
    const expected = Number(expectedAt(subject.expected, options.field));
    if (!present(subject.expected) || !Number.isFinite(expected)) return null;
    const actual = Number(pick(subject.output, options.field));
    if (!Number.isFinite(actual)) return bool(false, { actual: null, expected });
    const error = Math.abs(actual - expected);
    const allowed = options.relative ? options.tolerance * Math.abs(expected) : options.tolerance;
    return bool(error <= allowed, { actual, expected, error });
  },
});

export const rougeLScorer = defineScorer({
  name: 'rouge-l',
  description:
    "ROUGE-L F-measure (LCS of words) of the output text against the reference (or the expected output's text).",
  options: z.object({ field }).strict(),
  score(subject, options) {
    const reference =
      subject.reference ??
      (present(subject.expected) ? asText(expectedAt(subject.expected, options.field)) : undefined);
    if (reference === undefined) return null;
    const result = rougeL(asText(pick(subject.output, options.field)), reference);
    return { value: result.f, details: { precision: result.precision, recall: result.recall } };
  },
});

export const similarityScorer = defineScorer({
  name: 'similarity',
  description:
    'Cosine similarity (clamped to 0..1) of the embeddings of the output text and the reference (or expected text), by the `embed` alias or `model`.',
  options: z.object({ field, model: z.string().min(1).max(128).optional() }).strict(),
  async score(subject, options, context) {
    const reference =
      subject.reference ??
      (present(subject.expected) ? asText(expectedAt(subject.expected, options.field)) : undefined);
    if (reference === undefined) return null;
    const { embeddings } = await embedMany({
      model: context.models.embedding(options.model),
      values: [asText(pick(subject.output, options.field)), reference],
      abortSignal: context.signal,
      maxRetries: 0,
    });
    return { value: Math.max(0, cosine(embeddings[0] ?? [], embeddings[1] ?? [])) };
  },
});

export const latencyScorer = defineScorer({
  name: 'latency',
  description: 'Latency budget: 1 when the invocation took at most `max_ms` milliseconds.',
  options: z.object({ max_ms: z.number().int().min(1) }).strict(),
  score: (subject, options) => bool(subject.latencyMs <= options.max_ms, { latencyMs: subject.latencyMs }),
});

export const costScorer = defineScorer({
  name: 'cost',
  description:
    'Cost budget: 1 when the invocation cost at most `max_usd` (priced models) and used at most `max_tokens` tokens (input + output).',
  options: z
    .object({ max_usd: z.number().min(0).optional(), max_tokens: z.number().int().min(0).optional() })
    .strict()
    .refine(
      (options) => options.max_usd !== undefined || options.max_tokens !== undefined,
      'give max_usd or max_tokens',
    ),
  score(subject, options) {
    const tokens = subject.tokens.input + subject.tokens.output;
    const withinCost = options.max_usd === undefined || (subject.costUsd ?? 0) <= options.max_usd;
    const withinTokens = options.max_tokens === undefined || tokens <= options.max_tokens;
    return bool(withinCost && withinTokens, { costUsd: subject.costUsd, tokens });
  },
});

const verdictSchema = /\{[\s\S]*\}/;

export const judgeScorer = defineScorer({
  name: 'judge',
  description:
    'Model-as-judge: a model (`model`, else the `default` alias) grades the output from 1 to 5 against `rubric`; the score is (grade - 1) / 4 and the prompt and verdict are stored with it. Needs a configured model.',
  options: z
    .object({ rubric: z.string().min(1).max(4000), model: z.string().min(1).max(128).optional() })
    .strict(),
  async score(subject, options, context) {
    const prompt = [
      'You are grading the output of an AI feature. Grade it from 1 (fails the rubric) to 5 (fully meets it).',
      `Rubric: ${options.rubric}`,
      `Input: ${JSON.stringify(subject.input)}`,
      `Output: ${JSON.stringify(subject.output)}`,
      ...(present(subject.expected) ? [`Expected: ${JSON.stringify(subject.expected)}`] : []),
      ...(subject.reference === undefined ? [] : [`Reference: ${subject.reference}`]),
      'Answer with JSON only: {"grade": <1-5>, "reason": "<one sentence>"}',
    ].join('\n');
    const result = await generateText({
      model: context.models.language(options.model ?? 'default'),
      prompt,
      abortSignal: context.signal,
      maxRetries: 0,
    });
    const verdict = result.text;
    let grade: number | undefined;
    let reason: string | undefined;
    try {
      const parsed = JSON.parse(verdictSchema.exec(verdict)?.[0] ?? verdict) as {
        grade?: unknown;
        reason?: unknown;
      };
      grade = Number(parsed.grade);
      reason = typeof parsed.reason === 'string' ? parsed.reason : undefined;
    } catch {
      grade = Number(/\b([1-5])\b/.exec(verdict)?.[1]);
    }
    if (!Number.isFinite(grade) || grade === undefined || grade < 1 || grade > 5) {
      return {
        value: 0,
        details: { prompt, verdict, grade: null, error: 'the judge gave no grade from 1 to 5' },
      };
    }
    return { value: (grade - 1) / 4, details: { prompt, verdict, grade, reason: reason ?? null } };
  },
});

export const builtinScorers: readonly AnyScorer[] = [
  exactScorer,
  schemaValidScorer,
  fieldsScorer,
  labelScorer,
  containsScorer,
  regexScorer,
  numericScorer,
  rougeLScorer,
  similarityScorer,
  latencyScorer,
  costScorer,
  judgeScorer,
];
