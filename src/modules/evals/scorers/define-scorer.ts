import { z } from 'zod';
import type { AnyCapability } from '../../capabilities/index.ts';
import type { InvocationModels } from '../../gateway/index.ts';

/** What one scorer sees of one item's result. */
export interface ScoreSubject {
  readonly capability: AnyCapability;
  /** The item's input, as the capability received it. */
  readonly input: unknown;
  /** The capability's output; null when the invocation failed (scorers are then not called). */
  readonly output: unknown;
  /** The item's expected output (a whole output or just the value at the scorer's `field`), if any. */
  readonly expected: unknown;
  /** The item's free-text reference (for ROUGE-L, similarity, judges), if any. */
  readonly reference: string | undefined;
  readonly latencyMs: number;
  readonly tokens: { readonly input: number; readonly output: number };
  /** Model cost in USD when priced, else null. */
  readonly costUsd: number | null;
}

/** What a scorer may use besides the subject: the gateway's models (judges, embeddings) and the run's signal. */
export interface ScorerContext {
  readonly models: InvocationModels;
  readonly signal: AbortSignal;
}

/** One score in [0, 1]; `details` are stored with it (JSON) and shown in reports. */
export interface Score {
  readonly value: number;
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface ScorerDefinition<Options extends z.ZodType = z.ZodType> {
  /** Lower-case kebab name, used in run requests (`scorers: [{ name }]`) and as the metric's name. */
  readonly name: string;
  readonly description: string;
  /** Options a run passes to it; validated when the run is created. */
  readonly options: Options;
  /**
   * Scores one item. Returns null when the scorer does not apply (no expected output to compare with):
   * the item is then left out of this metric's mean rather than counted as 0.
   */
  score(
    subject: ScoreSubject,
    options: z.output<Options>,
    context: ScorerContext,
  ): Score | null | Promise<Score | null>;
  /** Extra per-variant metrics computed over all of a variant's scores (macro-F1 for labels). */
  aggregate?(scores: readonly Score[], options: z.output<Options>): Readonly<Record<string, number>>;
}

export interface Scorer<Options extends z.ZodType = z.ZodType> extends ScorerDefinition<Options> {
  readonly kind: 'scorer';
}

// biome-ignore lint/suspicious/noExplicitAny: a heterogeneous list of scorers is only usable through its schemas
export type AnyScorer = Scorer<any>;

const NAME_PATTERN = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

/** Declares a scorer, the way `defineCapability` declares a capability. */
export function defineScorer<Options extends z.ZodType = z.ZodObject<Record<string, never>>>(
  definition: Omit<ScorerDefinition<Options>, 'options'> & { readonly options?: Options },
): Scorer<Options> {
  if (!NAME_PATTERN.test(definition.name) || definition.name.length > 64) {
    throw new TypeError(
      `scorer name "${definition.name}" must be lower-case kebab-case, at most 64 characters`,
    );
  }
  const options = (definition.options ?? z.object({}).strict()) as Options;
  return Object.freeze({ kind: 'scorer' as const, ...definition, options });
}

/** The value at a dot path (`fields.total`, `labels.0`), or the value itself for an empty path. */
export function pick(value: unknown, path: string | undefined): unknown {
  if (path === undefined || path === '') return value;
  let current: unknown = value;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

const TEXT_FIELDS = ['answer', 'summary', 'text', 'label', 'output'];

/** Text of an output for text metrics: a string as is, else its first text field, else its JSON. */
export function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value && typeof value === 'object') {
    for (const field of TEXT_FIELDS) {
      const member = (value as Record<string, unknown>)[field];
      if (typeof member === 'string') return member;
    }
  }
  return value === undefined ? '' : JSON.stringify(value);
}

/**
 * The expected value at `field`: an item's `expected` may be a whole expected output (then the same path
 * is read from it) or just the value the scorer compares.
 */
export function expectedAt(expected: unknown, field: string | undefined): unknown {
  if (field === undefined || expected === null || typeof expected !== 'object') return expected;
  const picked = pick(expected, field);
  return picked === undefined ? expected : picked;
}

/** JSON with sorted keys, so objects compare by content. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>)
      .filter(([, member]) => member !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, member]) => `${JSON.stringify(key)}:${canonical(member)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}
