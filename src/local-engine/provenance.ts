/** Which engine produced a result, so a capability can report it next to the output. */
export interface EngineProvenance {
  readonly engine: 'local';
  /** `use-lite-512+bm25` when embeddings were used, `bm25` or `rules` when the work was lexical only. */
  readonly model: string;
}

export const LOCAL_EMBEDDING_MODEL_ID = 'use-lite-512';

/** `embeddingModel` is the id of the embedder that was used, or undefined when none was. */
export function provenance(embeddingModel: string | undefined, lexicalModel = 'bm25'): EngineProvenance {
  return {
    engine: 'local',
    model: embeddingModel === undefined ? lexicalModel : `${embeddingModel}+${lexicalModel}`,
  };
}
