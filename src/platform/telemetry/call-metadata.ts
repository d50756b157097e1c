/**
 * What the gateway's accounting middleware reports about a call in `providerMetadata.keel`: the
 * deployment that actually served (behind an alias or a fallback), its cost from the price table, and
 * the retries, fallbacks and cache hit on the way. Middlewares outside the gateway read it here.
 */
export interface KeelCallMetadata {
  readonly route: string | undefined;
  readonly deployment: string | undefined;
  readonly provider: string | undefined;
  readonly model: string | undefined;
  readonly costUsd: number | undefined;
  readonly retries: number;
  readonly fallbacks: number;
  readonly cacheHit: boolean;
}

export function readCallMetadata(providerMetadata: unknown): KeelCallMetadata {
  const keel = (providerMetadata as { keel?: Record<string, unknown> } | undefined)?.keel ?? {};
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  const number = (value: unknown) =>
    typeof value === 'number' && Number.isFinite(value) ? value : undefined;
  return {
    route: text(keel.route),
    deployment: text(keel.deployment),
    provider: text(keel.provider),
    model: text(keel.model),
    costUsd: number(keel.costUsd),
    retries: number(keel.retries) ?? 0,
    fallbacks: number(keel.fallbacks) ?? 0,
    cacheHit: keel.cacheHit === true,
  };
}
