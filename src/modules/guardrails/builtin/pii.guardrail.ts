import {
  defineGuardrail,
  type Guardrail,
  type GuardrailAction,
  type GuardrailStage,
} from '../define-guardrail.ts';
import { DEFAULT_PII_TYPES, detectPii, type PiiType } from '../pii/pii-detector.ts';

export interface PiiGuardrailOptions {
  readonly name?: string;
  readonly stages?: readonly GuardrailStage[];
  readonly action?: GuardrailAction;
  /** The kinds to look for; DEFAULT_PII_TYPES (all but `postal_address` and `person_name`) by default. */
  readonly types?: readonly PiiType[];
  /** `redact` only: restore the placeholders in the model's answer to the same caller. */
  readonly reversible?: boolean;
}

/**
 * Personal data found offline (checksums where they exist, see docs/guardrails.md). On the output stage a
 * value the caller sent itself (a restored placeholder) is not a leak: only data the caller did not give is.
 */
export function piiGuardrail(options: PiiGuardrailOptions = {}): Guardrail {
  const types = options.types ?? DEFAULT_PII_TYPES;
  return defineGuardrail({
    name: options.name ?? 'pii',
    description: `Personal data (${types.join(', ')}).`,
    stages: options.stages ?? ['input', 'retrieved'],
    action: options.action ?? 'redact',
    ...(options.reversible === undefined ? {} : { reversible: options.reversible }),
    // The longest span it reports (an e-mail address, a street line with its town and postcode) fits.
    window: 128,
    check: (text, context) =>
      detectPii(text, types)
        .filter((span) => context.stage !== 'output' || !context.known.has(span.text))
        .map((span) => ({ kind: span.type, start: span.start, end: span.end })),
  });
}
