import type { LocalEngine } from '../../local-engine/index.ts';
import { BUILTIN_GUARDRAILS, RECOMMENDED_GUARDRAILS } from './builtin-guardrails.ts';
import type { Guardrail, GuardrailDecision } from './define-guardrail.ts';
import { GuardrailSession } from './guardrail-session.ts';
import type { GuardrailsConfig } from './guardrails-config.ts';

export interface GuardrailsOptions {
  readonly config?: Partial<GuardrailsConfig>;
  /** For the classifier-backed policies (denied topics). */
  readonly engine?: LocalEngine | undefined;
  /** The policies an API key adds (`guardrails` on the key); none for the bootstrap key or open access. */
  readonly keyPolicies?: (keyId: string) => Promise<readonly string[]>;
  /** One model call for model-judge checks (`modelJudgeGuardrail`); absent, those checks fail the call. */
  readonly judge?: (prompt: string, signal: AbortSignal | undefined) => Promise<string>;
  /** Every decision, as it is made (metrics). */
  readonly onDecision?: (decision: GuardrailDecision, scope: { readonly source: string }) => void;
}

export interface SessionRequest {
  /** The capability's name, or undefined for `/openai/v1`. */
  readonly capability?: string | undefined;
  /** Policies the capability declares itself (`defineCapability({ guardrails })`). */
  readonly declared?: readonly (string | Guardrail)[] | undefined;
  readonly keyId?: string | undefined;
  readonly signal?: AbortSignal | undefined;
  /** Also receives this call's decisions (a stream's `guardrail` events). */
  readonly onDecision?: ((decision: GuardrailDecision) => void) | undefined;
}

/**
 * Which policies apply to a call, and its session. A call gets the defaults, its capability's policies
 * (from keel.config.ts and its own definition) or `/openai/v1`'s, then its key's: a key only ever adds.
 */
export class Guardrails {
  readonly #policies = new Map<string, Guardrail>();
  readonly #options: GuardrailsOptions;
  readonly #defaults: readonly string[];

  constructor(options: GuardrailsOptions = {}) {
    this.#options = options;
    for (const policy of [...BUILTIN_GUARDRAILS, ...(options.config?.policies ?? [])]) {
      this.#policies.set(policy.name, policy);
    }
    const defaults = options.config?.defaults ?? [];
    this.#defaults = defaults === 'recommended' ? RECOMMENDED_GUARDRAILS : defaults;
    const named = [
      ...this.#defaults,
      ...Object.values(options.config?.capabilities ?? {}).flat(),
      ...(options.config?.openai ?? []),
    ];
    const unknown = named.filter((name) => !this.#policies.has(name));
    if (unknown.length > 0) {
      throw new Error(
        `guardrails: unknown policies ${[...new Set(unknown)].join(', ')} (known: ${this.names().join(', ')})`,
      );
    }
  }

  /** Every policy a key or the config may name. */
  names(): string[] {
    return [...this.#policies.keys()].sort();
  }

  has(name: string): boolean {
    return this.#policies.has(name);
  }

  /** The session of one call, or undefined when no policy applies to it (the common, free case). */
  async session(request: SessionRequest): Promise<GuardrailSession | undefined> {
    const config = this.#options.config;
    const names: Array<string | Guardrail> = [
      ...this.#defaults,
      ...(request.capability === undefined
        ? (config?.openai ?? [])
        : [...(config?.capabilities?.[request.capability] ?? []), ...(request.declared ?? [])]),
    ];
    if (request.keyId !== undefined && this.#options.keyPolicies !== undefined) {
      names.push(...(await this.#options.keyPolicies(request.keyId)));
    }
    if (names.length === 0) return undefined;
    const policies = new Map<string, Guardrail>();
    for (const entry of names) {
      const policy = typeof entry === 'string' ? this.#policies.get(entry) : entry;
      // A key created with a policy since removed from the config: skipped, not a failed call.
      if (policy !== undefined) policies.set(policy.name, policy);
    }
    if (policies.size === 0) return undefined;
    const source = request.capability === undefined ? 'openai' : `capability:${request.capability}`;
    return new GuardrailSession({
      policies: [...policies.values()],
      engine: this.#options.engine,
      signal: request.signal,
      ...(this.#options.judge
        ? { judge: (prompt: string) => this.#options.judge?.(prompt, request.signal) ?? Promise.resolve('') }
        : {}),
      onDecision: (decision) => {
        this.#options.onDecision?.(decision, { source });
        request.onDecision?.(decision);
      },
    });
  }
}
