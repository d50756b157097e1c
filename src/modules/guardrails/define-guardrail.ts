import type { LocalEngine } from '../../local-engine/index.ts';

/** Where a policy looks: the caller's input, text retrieved for the model (documents, tool results), the output. */
export const GUARDRAIL_STAGES = ['input', 'retrieved', 'output'] as const;
export type GuardrailStage = (typeof GUARDRAIL_STAGES)[number];

/** What a policy does with a finding: refuse the call, replace the span with a placeholder, or only record it. */
export const GUARDRAIL_ACTIONS = ['block', 'redact', 'flag'] as const;
export type GuardrailAction = (typeof GUARDRAIL_ACTIONS)[number];

/** One thing a check found: its kind (`email`, `injection`, a topic) and where (UTF-16 offsets, end exclusive). */
export interface GuardrailFinding {
  readonly kind: string;
  readonly start: number;
  readonly end: number;
}

/** What a check may use besides the text. */
export interface GuardrailCheckContext {
  readonly stage: GuardrailStage;
  readonly signal?: AbortSignal | undefined;
  /** Keel's offline engine (classify), when the process has one. */
  readonly engine?: LocalEngine | undefined;
  /** Values the caller itself sent (the originals of reversible placeholders): not a leak when they come back. */
  readonly known: ReadonlySet<string>;
  /**
   * The texts retrieved for this call's model so far (each `<source>` passage, each tool result), as they
   * were sent (redacted): what an output check can hold an answer to (`groundednessGuardrail`).
   */
  readonly retrieved?: readonly string[];
  /** Where `text` starts in the whole text (a stream checks a window of its output): 0 otherwise. */
  readonly offset?: number;
  /**
   * One model call through the gateway (keel.config.ts `guardrails.judgeModel`, else `default`) for model-judge
   * checks: the prompt in, the answer's text out. Undefined when the process has no gateway to offer.
   */
  readonly judge?: ((prompt: string) => Promise<string>) | undefined;
}

export interface GuardrailDefinition {
  /** Lower-case kebab name; the problem, the request log and the metrics name the policy by it. */
  readonly name: string;
  readonly description?: string;
  readonly stages: readonly GuardrailStage[];
  readonly action: GuardrailAction;
  /**
   * `redact` only: the placeholders sent to the model are put back in its answer to the same caller
   * (`[EMAIL_1]` -> the address). Without it the answer keeps the placeholders.
   */
  readonly reversible?: boolean;
  /**
   * Streams: the longest span the check can find, in characters. A stream holds back this much text before
   * releasing it, so a span is found before any of it is sent. `whole` for checks that need the complete
   * text (a classifier): they run once the output is complete, before `done`.
   */
  readonly window?: number | 'whole';
  check(
    text: string,
    context: GuardrailCheckContext,
  ): readonly GuardrailFinding[] | Promise<readonly GuardrailFinding[]>;
}

export interface Guardrail extends GuardrailDefinition {
  readonly kind: 'guardrail';
  readonly window: number | 'whole';
}

const NAME_PATTERN = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
export const DEFAULT_GUARDRAIL_WINDOW = 128;

/** Declares a guardrail policy: where it looks (stages), what it finds (check) and what happens then (action). */
export function defineGuardrail(definition: GuardrailDefinition): Guardrail {
  if (!NAME_PATTERN.test(definition.name) || definition.name.length > 64) {
    throw new TypeError(
      `guardrail name "${definition.name}" must be lower-case kebab-case, at most 64 characters`,
    );
  }
  if (
    definition.stages.length === 0 ||
    definition.stages.some((stage) => !GUARDRAIL_STAGES.includes(stage))
  ) {
    throw new TypeError(
      `guardrail ${definition.name}: stages must be some of ${GUARDRAIL_STAGES.join(', ')}`,
    );
  }
  if (!GUARDRAIL_ACTIONS.includes(definition.action)) {
    throw new TypeError(
      `guardrail ${definition.name}: action must be one of ${GUARDRAIL_ACTIONS.join(', ')}`,
    );
  }
  if (definition.reversible === true && definition.action !== 'redact') {
    throw new TypeError(`guardrail ${definition.name}: only a redact policy can be reversible`);
  }
  const window = definition.window ?? DEFAULT_GUARDRAIL_WINDOW;
  if (window !== 'whole' && (!Number.isInteger(window) || window < 1)) {
    throw new TypeError(`guardrail ${definition.name}: window must be a positive integer or 'whole'`);
  }
  return Object.freeze({ kind: 'guardrail' as const, ...definition, window });
}

/** One decision of a policy over one call: recorded in the request log, counted in metrics, streamed. */
export interface GuardrailDecision {
  readonly policy: string;
  readonly stage: GuardrailStage;
  readonly action: GuardrailAction;
  /** What was found (`email`, `injection`...), each kind once; never the text. */
  readonly kinds: readonly string[];
  /** How many spans. */
  readonly count: number;
}
