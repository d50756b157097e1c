import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What the gateway learned while serving one model call: which deployment answered, after how many
 * attempts, retries and fallbacks, how fast the first token came, whether the cache answered. The router
 * and the cache fill it in; accounting reads it when the call ends, even when it failed.
 */
export interface CallFacts {
  /** The alias or `provider:model` the caller asked for. */
  readonly route: string;
  attempts: number;
  retries: number;
  fallbacks: number;
  /** `provider:model` of the deployment that served (or last failed). */
  deployment: string | undefined;
  provider: string | undefined;
  model: string | undefined;
  timeToFirstTokenMs: number | undefined;
  cacheHit: boolean;
}

export function newCallFacts(route: string): CallFacts {
  return {
    route,
    attempts: 0,
    retries: 0,
    fallbacks: 0,
    deployment: undefined,
    provider: undefined,
    model: undefined,
    timeToFirstTokenMs: undefined,
    cacheHit: false,
  };
}

// Hands the facts of one call from the accounting middleware down to the router through the AI SDK's
// middleware chain, which passes only call parameters. One store per call, so parallel calls never mix.
const storage = new AsyncLocalStorage<CallFacts>();

export function runWithCallFacts<T>(facts: CallFacts, work: () => T): T {
  return storage.run(facts, work);
}

export function currentCallFacts(): CallFacts | undefined {
  return storage.getStore();
}

/** The facts as JSON, for `providerMetadata.keel` (what outer middlewares such as telemetry read). */
export function factsMetadata(
  facts: CallFacts,
  costUsd: number | null,
): Record<string, string | number | boolean | null> {
  return {
    route: facts.route,
    deployment: facts.deployment ?? null,
    provider: facts.provider ?? null,
    model: facts.model ?? null,
    attempts: facts.attempts,
    retries: facts.retries,
    fallbacks: facts.fallbacks,
    timeToFirstTokenMs: facts.timeToFirstTokenMs ?? null,
    cacheHit: facts.cacheHit,
    costUsd,
  };
}
