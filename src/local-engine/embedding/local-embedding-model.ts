import type { EmbeddingModelV4, SharedV4Warning } from '@ai-sdk/provider';
import { TooManyEmbeddingValuesForCallError } from '@ai-sdk/provider';
import { LOCAL_EMBEDDING_MODEL_ID } from '../provenance.ts';
import { type EmbeddingBackend, sharedLocalEmbedder } from './local-embedder.ts';

export interface LocalEmbeddingModelOptions {
  /**
   * Defaults to the process-wide embedder on this thread; Keel's processes pass the compute pool's, so
   * the forward passes run off the event loop.
   */
  readonly embedder?: EmbeddingBackend;
  /** Values per `doEmbed` call; `embedMany` splits larger lists. Default 256. */
  readonly maxEmbeddingsPerCall?: number;
}

/**
 * The local embedder as an AI SDK `EmbeddingModelV4` (provider `local`, model `use-lite-512`, 512
 * dimensions), so the gateway can serve it as the `embed` alias and `embed`/`embedMany` work unchanged.
 */
export function createLocalEmbeddingModel(options: LocalEmbeddingModelOptions = {}): EmbeddingModelV4 {
  const embedder = options.embedder ?? sharedLocalEmbedder();
  const maxEmbeddingsPerCall = options.maxEmbeddingsPerCall ?? 256;
  return {
    specificationVersion: 'v4',
    provider: 'local',
    modelId: LOCAL_EMBEDDING_MODEL_ID,
    maxEmbeddingsPerCall,
    // One WASM forward pass at a time: parallel calls would only queue.
    supportsParallelCalls: false,
    async doEmbed({ values, abortSignal, dimensions }) {
      if (values.length > maxEmbeddingsPerCall) {
        throw new TooManyEmbeddingValuesForCallError({
          provider: 'local',
          modelId: LOCAL_EMBEDDING_MODEL_ID,
          maxEmbeddingsPerCall,
          values,
        });
      }
      const warnings: SharedV4Warning[] = [];
      if (dimensions !== undefined && dimensions !== embedder.dimensions) {
        warnings.push({
          type: 'unsupported',
          feature: 'dimensions',
          details: `${LOCAL_EMBEDDING_MODEL_ID} always returns ${embedder.dimensions} dimensions`,
        });
      }
      if (values.some((value) => value.length > embedder.maxInputChars)) {
        warnings.push({
          type: 'compatibility',
          feature: 'long input',
          details: `texts longer than ${embedder.maxInputChars} characters are cut at a word boundary before embedding`,
        });
      }
      const { vectors, tokens } = await embedder.embedWithTokens(
        values,
        abortSignal ? { signal: abortSignal } : {},
      );
      return { embeddings: vectors.map((vector) => Array.from(vector)), usage: { tokens }, warnings };
    },
  };
}
