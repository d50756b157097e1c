/**
 * The variant an invocation runs with (`summarize@3`): its instructions, model and settings, as capability
 * code reads them from `context.variant`. Made and routed by the variants module; this is all a capability
 * sees of it.
 */
export interface CapabilityVariant {
  /** `<capability>@<version>`. */
  readonly id: string;
  readonly version: number;
  /** Instructions to add as the system prompt; null keeps the capability's own. */
  readonly instructions: string | null;
  /** An alias or `provider:model` (or `local`); already what `models.language()` resolves to. */
  readonly model: string | null;
  readonly settings: Readonly<Record<string, unknown>>;
}

/** Which variant serves one live call, and in which role; decided before the call starts. */
export interface VariantChoice {
  /** null: the capability as coded (a policy with shadows and no stable variant). */
  readonly variant: CapabilityVariant | null;
  readonly role: 'stable' | 'canary';
}

/** How one routed invocation went, for online evals, automatic rollback and shadows. */
export interface RoutedInvocation {
  readonly capability: string;
  readonly choice: VariantChoice;
  readonly requestId: string;
  readonly tenantId: string;
  readonly input: unknown;
  readonly output: unknown;
  readonly outcome: 'succeeded' | 'failed' | 'aborted';
  readonly errorCode: string | null;
  readonly latencyMs: number;
  readonly costUsd: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /**
   * Runs `work` once the caller has its answer (after the response is sent, for HTTP): shadows are started
   * there, never before.
   */
  readonly afterResponse: (work: () => void) => void;
}

/**
 * The port the invoker routes through (implemented by the variants module). `choose` runs on every call
 * of every capability, so it must answer from memory; `observe` must never throw nor wait.
 */
export interface VariantRouter {
  choose(capability: string, subject: string): VariantChoice | undefined;
  observe(invocation: RoutedInvocation): void;
}

/** The variant's instructions as a system prompt, if it has any (built-in capabilities' model path). */
export function variantSystem(variant: CapabilityVariant | undefined): { system?: string } {
  return variant?.instructions ? { system: variant.instructions } : {};
}

/** The variant's `temperature` and `max_output_tokens` settings as AI SDK call settings, when valid. */
export function variantCallSettings(variant: CapabilityVariant | undefined): {
  temperature?: number;
  maxOutputTokens?: number;
} {
  const settings = variant?.settings ?? {};
  const temperature = settings.temperature;
  const maxOutputTokens = settings.max_output_tokens;
  return {
    ...(typeof temperature === 'number' && temperature >= 0 && temperature <= 2 ? { temperature } : {}),
    ...(typeof maxOutputTokens === 'number' && Number.isInteger(maxOutputTokens) && maxOutputTokens > 0
      ? { maxOutputTokens }
      : {}),
  };
}
