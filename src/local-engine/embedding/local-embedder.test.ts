import { describe, expect, it } from 'vitest';
import { RecordingEncoder } from '../../../test/fixtures/local-engine/fake-embedder.ts';
import { AppError } from '../../platform/errors/index.ts';
import { embeddingInput, LocalEmbedder } from './local-embedder.ts';

function embedderWith(encoder: RecordingEncoder, options: { batchSize?: number; cacheSize?: number } = {}) {
  let loads = 0;
  const embedder = new LocalEmbedder({
    ...options,
    load: async () => {
      loads++;
      return encoder;
    },
  });
  return { embedder, loads: () => loads };
}

describe('LocalEmbedder', () => {
  it('loads lazily, once, and batches the distinct uncached texts', async () => {
    const encoder = new RecordingEncoder();
    const { embedder, loads } = embedderWith(encoder, { batchSize: 2 });
    expect(embedder.loaded).toBe(false);
    expect(loads()).toBe(0);
    const vectors = await embedder.embed(['alpha', 'beta', 'alpha', 'gamma']);
    expect(loads()).toBe(1);
    expect(embedder.loaded).toBe(true);
    expect(encoder.batches).toEqual([['alpha', 'beta'], ['gamma']]);
    expect(vectors).toHaveLength(4);
    expect(vectors[0]).toBe(vectors[2]);
    expect(Math.hypot(...(vectors[1] as Float32Array))).toBeCloseTo(1, 5);

    await embedder.embed(['beta', 'delta']);
    expect(encoder.batches.at(-1)).toEqual(['delta']);
    expect(loads()).toBe(1);
    expect(embedder.stats()).toMatchObject({ loaded: true, cachedTexts: 4, cacheHits: 1, encodedTexts: 4 });
  });

  it('embeds empty and blank texts as zero vectors without loading the model', async () => {
    const encoder = new RecordingEncoder();
    const { embedder, loads } = embedderWith(encoder);
    const [empty, blank] = await embedder.embed(['', '  \n ']);
    expect(loads()).toBe(0);
    expect(Array.from(empty as Float32Array).every((value) => value === 0)).toBe(true);
    expect(blank).toHaveLength(512);
  });

  it('stops between batches when the signal aborts', async () => {
    const controller = new AbortController();
    const encoder = new RecordingEncoder();
    const original = encoder.embed.bind(encoder);
    encoder.embed = async (texts) => {
      controller.abort(new Error('client went away'));
      return original(texts);
    };
    const { embedder } = embedderWith(encoder, { batchSize: 1 });
    await expect(embedder.embed(['one', 'two', 'three'], { signal: controller.signal })).rejects.toThrow(
      'client went away',
    );
    expect(encoder.batches).toHaveLength(1);
    await expect(embedder.embed(['four'], { signal: controller.signal })).rejects.toThrow('client went away');
  });

  it('reports a load failure as LOCAL_ENGINE_MODEL_UNAVAILABLE and retries on the next call', async () => {
    let attempts = 0;
    const embedder = new LocalEmbedder({
      load: async () => {
        attempts++;
        if (attempts === 1) throw new Error('weights missing');
        return new RecordingEncoder();
      },
    });
    const failure = await embedder.embed(['x']).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AppError);
    expect((failure as AppError).code).toBe('LOCAL_ENGINE_MODEL_UNAVAILABLE');
    expect(await embedder.embed(['x'])).toHaveLength(1);
    expect(attempts).toBe(2);
  });

  it('cuts long inputs at a word boundary and keys the cache by what is embedded', async () => {
    expect(embeddingInput('  one   two\nthree  ', 100)).toBe('one two three');
    expect(embeddingInput('alpha beta gamma delta', 12)).toBe('alpha beta');
    const encoder = new RecordingEncoder();
    const { embedder } = embedderWith(encoder);
    const long = `${'word '.repeat(400)}tail`;
    await embedder.embed([long, `${long} more`]);
    expect(encoder.batches[0]?.every((text) => text.length <= embedder.maxInputChars)).toBe(true);
    expect(encoder.batches[0]).toHaveLength(1);
  });
});
