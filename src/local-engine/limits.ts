/**
 * The local engine's bounds, in one place so capability schemas can reuse them. Work is linear or
 * quadratic in these sizes on a 2-core machine, so every public function enforces them.
 */
export interface LocalEngineLimits {
  readonly maxTextChars: number;
  readonly maxItems: number;
  readonly maxItemChars: number;
  readonly maxLabels: number;
  readonly maxExamplesPerLabel: number;
  readonly maxEmbeddedSentences: number;
  readonly maxEmbeddingInputChars: number;
  readonly maxSchemaDepth: number;
  readonly maxSchemaNodes: number;
  readonly maxSchemaBytes: number;
}

export const LOCAL_ENGINE_LIMITS: LocalEngineLimits = Object.freeze({
  /** Characters of text one call analyses (summarize, classify, extract, a query or profile). */
  maxTextChars: 200_000,
  /** Items one `score` or `recommend` call ranks. */
  maxItems: 1_000,
  /** Characters of one item's text. */
  maxItemChars: 20_000,
  /** Labels one `classify` call compares, and examples per label. */
  maxLabels: 100,
  maxExamplesPerLabel: 100,
  /** Sentences a summary embeds for centrality; longer texts use lexical centrality only. */
  maxEmbeddedSentences: 300,
  /** Characters of one text given to the embedder; the rest is cut at a word boundary. */
  maxEmbeddingInputChars: 1_000,
  /** JSON Schema bounds for `extract`. */
  maxSchemaDepth: 6,
  maxSchemaNodes: 200,
  maxSchemaBytes: 64_000,
});
