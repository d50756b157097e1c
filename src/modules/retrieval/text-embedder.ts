import type { EmbeddingModelV4 } from '@ai-sdk/provider';
import { embedMany } from 'ai';
import { AppError, isAppError } from '../../platform/errors/index.ts';
import { retrievalErrors } from './retrieval.errors.ts';

/**
 * What retrieval needs from an embedding model: vectors for texts, and a stable id recorded with every
 * collection so vectors of different models are never compared.
 */
export interface TextEmbedder {
  /** `provider:model`, e.g. `local:use-lite-512`. */
  readonly modelId: string;
  /** Texts per call when embedding chunks (progress is reported per batch). */
  readonly batchSize: number;
  embed(values: readonly string[], signal?: AbortSignal): Promise<number[][]>;
}

/** An AI SDK embedding model as a `TextEmbedder`: `embedMany` splits calls and retries transient failures. */
export function createTextEmbedder(
  model: EmbeddingModelV4,
  options: { readonly batchSize?: number; readonly maxRetries?: number } = {},
): TextEmbedder {
  const modelId = `${model.provider}:${model.modelId}`;
  return {
    modelId,
    batchSize: options.batchSize ?? 32,
    async embed(values, signal) {
      if (values.length === 0) return [];
      let embeddings: number[][];
      try {
        const result = await embedMany({
          model,
          values: [...values],
          maxRetries: options.maxRetries ?? 2,
          ...(signal ? { abortSignal: signal } : {}),
        });
        embeddings = result.embeddings;
      } catch (error) {
        if (isAppError(error) || signal?.aborted) throw error;
        throw new AppError(retrievalErrors.RETRIEVAL_EMBEDDING_FAILED, {
          detail: `The embedding model ${modelId} failed.`,
          cause: error,
        });
      }
      assertUsable(modelId, values.length, embeddings);
      return embeddings;
    },
  };
}

function assertUsable(modelId: string, expected: number, embeddings: readonly number[][]): void {
  const dimensions = embeddings[0]?.length ?? 0;
  const problem =
    embeddings.length !== expected
      ? `returned ${embeddings.length} vectors for ${expected} texts`
      : dimensions === 0
        ? 'returned empty vectors'
        : embeddings.some((vector) => vector.length !== dimensions)
          ? 'returned vectors of different lengths'
          : embeddings.some((vector) => vector.some((value) => !Number.isFinite(value)))
            ? 'returned a vector with a non-finite value'
            : undefined;
  if (problem) {
    throw new AppError(retrievalErrors.RETRIEVAL_EMBEDDING_FAILED, {
      detail: `The embedding model ${modelId} ${problem}.`,
    });
  }
}
