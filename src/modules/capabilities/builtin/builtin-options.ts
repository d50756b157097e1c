import type { Embedder } from '../../../local-engine/index.ts';

/** How the built-in capabilities run the local engine; the defaults are what Keel serves. */
export interface BuiltinCapabilityOptions {
  /**
   * The local engine's embedder: omitted, the process-wide USE-lite embedder (loaded on first use);
   * `null`, lexical strategies only (tests, and deployments that cannot spare the model's memory).
   */
  readonly embedder?: Embedder | null;
  /** Stored documents, for inputs that name one (`summarize` with `document_id`); tenant-scoped. */
  readonly documents?: DocumentTextSource;
}

/** Reads a stored document's text; throws the documents module's 404 / 409 problems. */
export interface DocumentTextSource {
  documentText(
    tenantId: string,
    documentId: string,
  ): Promise<{ readonly title: string; readonly text: string }>;
}

/** The local engine options of one invocation: the configured embedder and the invocation's signal. */
export function engineOptions(
  options: BuiltinCapabilityOptions,
  signal: AbortSignal,
): { signal: AbortSignal; embedder?: Embedder | null } {
  return options.embedder === undefined ? { signal } : { signal, embedder: options.embedder };
}
