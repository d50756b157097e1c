import type { Embedder } from './embedding/local-embedder.ts';

/**
 * Options every engine function takes. `embedder` defaults to the shared USE-lite embedder; `null`
 * runs lexical-only (no model load), which tests and latency-sensitive callers may want.
 */
export interface LocalEngineOptions {
  readonly signal?: AbortSignal | undefined;
  readonly embedder?: Embedder | null | undefined;
}
