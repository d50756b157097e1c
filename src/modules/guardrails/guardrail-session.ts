import type { LocalEngine } from '../../local-engine/index.ts';
import { AppError } from '../../platform/errors/index.ts';
import type { Guardrail, GuardrailDecision, GuardrailFinding, GuardrailStage } from './define-guardrail.ts';
import { guardrailErrors } from './guardrails.errors.ts';
import { redact } from './pii/redaction.ts';

export interface GuardrailSessionOptions {
  /** The policies of this call: its capability's (or the surface's), then its key's. */
  readonly policies: readonly Guardrail[];
  readonly engine?: LocalEngine | undefined;
  readonly signal?: AbortSignal | undefined;
  /** A model call for model-judge checks (see `GuardrailCheckContext.judge`). */
  readonly judge?: ((prompt: string) => Promise<string>) | undefined;
  /** Receives each decision as it is made (metrics; a stream's `guardrail` event). */
  readonly onDecision?: ((decision: GuardrailDecision) => void) | undefined;
}

const ACTION_ORDER = { block: 0, flag: 1, redact: 2 } as const;

/** What `apply` did to one text. */
interface Applied {
  readonly text: string;
  readonly changed: boolean;
}

/** Calls `visit` on every string of a JSON value and returns the value with the strings it returned. */
export async function mapStrings(value: unknown, visit: (text: string) => Promise<string>): Promise<unknown> {
  if (typeof value === 'string') return visit(value);
  if (Array.isArray(value)) {
    const mapped: unknown[] = [];
    for (const item of value) mapped.push(await mapStrings(item, visit));
    return mapped;
  }
  if (typeof value === 'object' && value !== null) {
    const mapped: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) mapped[key] = await mapStrings(item, visit);
    return mapped;
  }
  return value;
}

/**
 * The guardrails of one call: its policies, the placeholders of its reversible redactions (so the answer
 * to this caller gets the originals back, and nobody else's does), and its decisions. Every path (a
 * capability invocation, a model call, an OpenAI-compatible completion) checks through one of these.
 */
export class GuardrailSession {
  readonly policies: readonly Guardrail[];
  /** Placeholder -> original, for every redaction of this call (reversible or not: the log uses it too). */
  readonly placeholders = new Map<string, string>();
  /** Placeholders of reversible policies only: what `restore` may put back. */
  readonly reversible = new Map<string, string>();
  readonly #options: GuardrailSessionOptions;
  readonly #decisions = new Map<string, { decision: GuardrailDecision; kinds: Set<string> }>();
  readonly #known = new Set<string>();
  readonly #retrieved: string[] = [];

  constructor(options: GuardrailSessionOptions) {
    this.policies = options.policies;
    this.#options = options;
  }

  /** The policies that look at a stage. */
  at(stage: GuardrailStage): Guardrail[] {
    return this.policies.filter((policy) => policy.stages.includes(stage));
  }

  /** Values the caller sent that came back from reversible placeholders: not a leak in the output. */
  get known(): ReadonlySet<string> {
    return this.#known;
  }

  /** The retrieved texts checked so far, as sent to the model: what output checks hold an answer to. */
  get retrieved(): readonly string[] {
    return this.#retrieved;
  }

  /** Every decision so far, one per policy, stage and action (kinds merged, spans counted). */
  decisions(): GuardrailDecision[] {
    return [...this.#decisions.values()].map(({ decision, kinds }) => ({ ...decision, kinds: [...kinds] }));
  }

  /**
   * Applies the stage's policies to one text: a `block` finding throws GUARDRAIL_BLOCKED, `redact`
   * findings become placeholders, `flag` findings are only recorded. `only` narrows the policies (a
   * stream's window checks, the silent re-redaction of a prompt).
   */
  async checkText(
    text: string,
    stage: GuardrailStage,
    options: {
      readonly policies?: readonly Guardrail[];
      readonly record?: boolean;
      readonly offset?: number;
    } = {},
  ): Promise<string> {
    const checked = (await this.#apply(text, stage, options)).text;
    if (stage === 'retrieved' && checked.trim() !== '') this.#retrieved.push(checked);
    return checked;
  }

  /** `checkText` over every string of a JSON value (a capability's input or output). */
  checkValue(
    value: unknown,
    stage: GuardrailStage,
    options: { readonly policies?: readonly Guardrail[]; readonly record?: boolean } = {},
  ) {
    if (this.at(stage).length === 0) return Promise.resolve(value);
    return mapStrings(value, (text) => this.checkText(text, stage, options));
  }

  async #apply(
    text: string,
    stage: GuardrailStage,
    options: {
      readonly policies?: readonly Guardrail[];
      readonly record?: boolean;
      readonly offset?: number;
    },
  ): Promise<Applied> {
    // Blocks and flags judge the text as it came; redactions then apply one after the other.
    const policies = [...(options.policies ?? this.at(stage))].sort(
      (a, b) => ACTION_ORDER[a.action] - ACTION_ORDER[b.action],
    );
    let current = text;
    let changed = false;
    for (const policy of policies) {
      const findings = await policy.check(current, {
        stage,
        signal: this.#options.signal,
        engine: this.#options.engine,
        judge: this.#options.judge,
        known: this.#known,
        retrieved: this.#retrieved,
        ...(options.offset === undefined ? {} : { offset: options.offset }),
      });
      if (findings.length === 0) continue;
      if (options.record !== false || policy.action === 'block') this.record(policy, stage, findings);
      if (policy.action === 'block') throw blocked(policy, stage, findings);
      if (policy.action === 'redact') {
        current = this.redactSpans(current, findings, policy.reversible === true);
        changed = true;
      }
    }
    return { text: current, changed };
  }

  /** Replaces findings with placeholders, remembering what each stood for. */
  redactSpans(text: string, findings: readonly GuardrailFinding[], reversible: boolean): string {
    const spans = findings.map((finding) => ({
      type: finding.kind,
      start: finding.start,
      end: finding.end,
      text: text.slice(finding.start, finding.end),
    }));
    const result = redact(text, spans, this.placeholders);
    if (reversible) {
      const originals = new Set(spans.map((span) => span.text));
      for (const [placeholder, original] of this.placeholders) {
        if (!originals.has(original)) continue;
        this.reversible.set(placeholder, original);
        this.#known.add(original);
      }
    }
    return result.text;
  }

  /** Records one policy's findings (merged with its earlier ones) and tells the listener. */
  record(policy: Guardrail, stage: GuardrailStage, findings: readonly GuardrailFinding[]): void {
    const key = `${policy.name}\u0000${stage}\u0000${policy.action}`;
    const kinds = [...new Set(findings.map((finding) => finding.kind))];
    const entry = this.#decisions.get(key);
    if (entry === undefined) {
      this.#decisions.set(key, {
        decision: { policy: policy.name, stage, action: policy.action, kinds, count: findings.length },
        kinds: new Set(kinds),
      });
    } else {
      for (const kind of kinds) entry.kinds.add(kind);
      entry.decision = { ...entry.decision, count: entry.decision.count + findings.length };
    }
    this.#options.onDecision?.({
      policy: policy.name,
      stage,
      action: policy.action,
      kinds,
      count: findings.length,
    });
  }

  /**
   * What the request log may keep of a value: every original this call replaced with a placeholder is
   * replaced again (a restored answer included), then every `redact` policy runs over it, whatever its stage.
   */
  async forLog(value: unknown): Promise<unknown> {
    const redacting = this.policies.filter((policy) => policy.action === 'redact');
    if (this.placeholders.size === 0 && redacting.length === 0) return value;
    const originals = [...this.placeholders].sort((a, b) => b[1].length - a[1].length);
    return mapStrings(value, async (text) => {
      let current = text;
      for (const [placeholder, original] of originals) current = current.split(original).join(placeholder);
      for (const policy of redacting) {
        const stage = policy.stages[0] ?? 'input';
        const findings = await policy.check(current, {
          stage,
          signal: this.#options.signal,
          engine: this.#options.engine,
          judge: this.#options.judge,
          known: new Set(),
        });
        if (findings.length > 0) current = this.redactSpans(current, findings, false);
      }
      return current;
    });
  }
}

export function blocked(
  policy: Guardrail,
  stage: GuardrailStage,
  findings: readonly GuardrailFinding[],
): AppError {
  const kinds = [...new Set(findings.map((finding) => finding.kind))];
  return new AppError(guardrailErrors.GUARDRAIL_BLOCKED, {
    detail: `The ${policy.name} guardrail blocked this call: ${kinds.join(', ')} found in the ${stage === 'retrieved' ? 'retrieved text' : stage}.`,
    details: { policy: policy.name, stage, kinds },
  });
}
