import { type Embedder, inlineLocalEngine, type LocalEngine } from '../../../local-engine/index.ts';

/** How the built-in capabilities run the local engine; the defaults are what Keel serves. */
export interface BuiltinCapabilityOptions {
  /**
   * Where the local engine's strategies run: Keel's processes pass the compute pool's engine (worker
   * threads); omitted, the engine runs inline on the calling thread with `embedder`.
   */
  readonly engine?: LocalEngine;
  /**
   * The inline engine's embedder, when no `engine` is given: omitted, the process-wide USE-lite embedder
   * (loaded on first use); `null`, lexical strategies only (tests, and deployments that cannot spare the
   * model's memory).
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

/** The local engine these options select: the given one, else an inline engine with their embedder. */
export function engineOf(options: BuiltinCapabilityOptions): LocalEngine {
  if (options.engine !== undefined) return options.engine;
  return inlineLocalEngine(options.embedder === undefined ? {} : { embedder: options.embedder });
}
