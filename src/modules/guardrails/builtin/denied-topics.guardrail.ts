import type { LabelDefinition } from '../../../local-engine/index.ts';
import {
  defineGuardrail,
  type Guardrail,
  type GuardrailAction,
  type GuardrailStage,
} from '../define-guardrail.ts';

export interface DeniedTopicsGuardrailOptions {
  readonly name?: string;
  /** The off-limits topics, as `classify` takes labels: a name, a description and examples. */
  readonly topics: readonly LabelDefinition[];
  /**
   * What is allowed, as labels too (the classifier weighs denied topics against them). Default: one
   * `allowed` label described as ordinary requests.
   */
  readonly allowed?: readonly LabelDefinition[];
  /** Multi-label score at or above which a denied topic counts. Default 0.5. */
  readonly threshold?: number;
  readonly stages?: readonly GuardrailStage[];
  readonly action?: Exclude<GuardrailAction, 'redact'>;
}

const DEFAULT_ALLOWED: readonly LabelDefinition[] = [
  {
    name: 'allowed',
    description: 'an ordinary question or request about the product, an account, an order or general help',
  },
];

/**
 * Denied topics by the local engine's classifier (the `classify` strategy: label descriptions and
 * examples, offline). It reads the whole text, so in a stream it runs once the output is complete.
 */
export function deniedTopicsGuardrail(options: DeniedTopicsGuardrailOptions): Guardrail {
  if (options.topics.length === 0) throw new TypeError('deniedTopicsGuardrail needs at least one topic');
  const threshold = options.threshold ?? 0.5;
  const denied = new Set(options.topics.map((topic) => topic.name));
  const labels = [...options.topics, ...(options.allowed ?? DEFAULT_ALLOWED)];
  return defineGuardrail({
    name: options.name ?? 'denied-topics',
    description: `Denied topics: ${[...denied].join(', ')}.`,
    stages: options.stages ?? ['input'],
    action: options.action ?? 'block',
    window: 'whole',
    check: async (text, context) => {
      if (text.trim().length < 3) return [];
      if (context.engine === undefined) {
        throw new Error('the denied-topics guardrail needs the local engine, which this process has not got');
      }
      const result = await context.engine.classify(
        { text, labels, multi_label: false },
        { signal: context.signal },
      );
      const best = result.labels[0];
      if (best === undefined || !denied.has(best.name) || best.score < threshold) return [];
      return [{ kind: best.name, start: 0, end: text.length }];
    },
  });
}
