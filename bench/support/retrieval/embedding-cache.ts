import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { EmbeddingModelV4 } from '@ai-sdk/provider';

/**
 * Keeps the vectors a model made for texts in a file, so re-running the quality phase does not spend
 * minutes re-embedding 5,000 abstracts with USE-lite. Keyed by model and text; never used for timings.
 */
export class EmbeddingCache {
  readonly #file: string;
  readonly #vectors = new Map<string, number[]>();
  hits = 0;
  misses = 0;

  constructor(file: string) {
    this.#file = file;
  }

  async load(): Promise<void> {
    if (!existsSync(this.#file)) return;
    const stored = JSON.parse(await readFile(this.#file, 'utf8')) as Record<string, string>;
    for (const [key, base64] of Object.entries(stored)) {
      const bytes = Buffer.from(base64, 'base64');
      this.#vectors.set(
        key,
        Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4)),
      );
    }
  }

  async save(): Promise<void> {
    const stored: Record<string, string> = {};
    for (const [key, vector] of this.#vectors)
      stored[key] = Buffer.from(new Float32Array(vector).buffer).toString('base64');
    await mkdir(path.dirname(this.#file), { recursive: true });
    await writeFile(this.#file, JSON.stringify(stored));
  }

  get(model: string, text: string): number[] | undefined {
    return this.#vectors.get(key(model, text));
  }

  /** The model, answering from the cache and filling it with what it had to compute. */
  wrap(model: EmbeddingModelV4): EmbeddingModelV4 {
    const id = `${model.provider}:${model.modelId}`;
    return {
      ...model,
      specificationVersion: 'v4',
      provider: model.provider,
      modelId: model.modelId,
      maxEmbeddingsPerCall: model.maxEmbeddingsPerCall,
      supportsParallelCalls: model.supportsParallelCalls,
      doEmbed: async (options) => {
        const missing = options.values.filter((value) => !this.#vectors.has(key(id, value)));
        this.hits += options.values.length - missing.length;
        this.misses += missing.length;
        if (missing.length > 0) {
          const result = await model.doEmbed({ ...options, values: missing });
          for (const [index, value] of missing.entries())
            this.#vectors.set(key(id, value), result.embeddings[index] ?? []);
        }
        return {
          embeddings: options.values.map((value) => this.#vectors.get(key(id, value)) ?? []),
          warnings: [],
        };
      },
    };
  }
}

function key(model: string, text: string): string {
  return createHash('sha256').update(`${model}\u0000${text}`).digest('base64url').slice(0, 32);
}
