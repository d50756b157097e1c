import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { embed, embedMany } from 'ai';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RecordingEncoder } from '../../../test/fixtures/local-engine/fake-embedder.ts';
import { LocalEmbedder } from './local-embedder.ts';
import { createLocalEmbeddingModel } from './local-embedding-model.ts';
import { cosine } from './vectors.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');

describe('createLocalEmbeddingModel (fake encoder)', () => {
  it('implements EmbeddingModelV4 and splits embedMany by maxEmbeddingsPerCall', async () => {
    const encoder = new RecordingEncoder();
    const model = createLocalEmbeddingModel({
      embedder: new LocalEmbedder({ load: async () => encoder }),
      maxEmbeddingsPerCall: 2,
    });
    expect(model).toMatchObject({
      specificationVersion: 'v4',
      provider: 'local',
      modelId: 'use-lite-512',
      maxEmbeddingsPerCall: 2,
    });
    const result = await embedMany({ model, values: ['a b', 'c d', 'e f'] });
    expect(result.embeddings).toHaveLength(3);
    expect(result.embeddings[0]).toHaveLength(512);
    expect(result.usage.tokens).toBe(6);
    expect(encoder.batches.flat()).toEqual(['a b', 'c d', 'e f']);
    await expect(model.doEmbed({ values: ['1', '2', '3'] })).rejects.toThrow(
      /maxEmbeddingsPerCall|Too many values/i,
    );
  });

  it('warns when asked for other dimensions and passes the abort signal', async () => {
    const model = createLocalEmbeddingModel({
      embedder: new LocalEmbedder({ load: async () => new RecordingEncoder() }),
    });
    const result = await model.doEmbed({ values: ['x'], dimensions: 256 });
    expect(result.embeddings[0]).toHaveLength(512);
    expect(result.warnings).toEqual([
      expect.objectContaining({ type: 'unsupported', feature: 'dimensions' }),
    ]);
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(
      embed({ model, value: 'y', abortSignal: controller.signal, maxRetries: 0 }),
    ).rejects.toThrow();
  });
});

describe('createLocalEmbeddingModel (the real USE-lite weights)', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('loads from the package without any network access and embeds by meaning', async () => {
    const fetchSpy = vi.fn(async () => {
      throw new Error('network access attempted');
    });
    vi.stubGlobal('fetch', fetchSpy);
    const embedder = new LocalEmbedder();
    const model = createLocalEmbeddingModel({ embedder });
    const { embeddings } = await embedMany({
      model,
      values: [
        'The cat sat on the mat.',
        'A kitten is sitting on a rug.',
        'Stock markets fell sharply today.',
      ],
    });
    expect(fetchSpy).not.toHaveBeenCalled();
    const [cat, kitten, stocks] = embeddings.map((vector) => Float32Array.from(vector));
    expect(cat).toHaveLength(512);
    expect(cosine(cat as Float32Array, kitten as Float32Array)).toBeGreaterThan(
      cosine(cat as Float32Array, stocks as Float32Array) + 0.2,
    );
    const single = await embed({ model, value: 'The cat sat on the mat.' });
    expect(cosine(Float32Array.from(single.embedding), cat as Float32Array)).toBeCloseTo(1, 5);
    expect(embedder.stats().cacheHits).toBeGreaterThan(0);
  });

  it('costs nothing until first use: importing the engine loads neither TensorFlow.js nor wink-nlp', () => {
    const script = `
      import { createRequire } from 'node:module';
      const engine = await import(${JSON.stringify(path.join(ROOT, 'src/local-engine/index.ts'))});
      engine.createLocalEmbeddingModel();
      const require = createRequire(import.meta.url);
      const loaded = () => [...new Set(Object.keys(require.cache).flatMap((file) => file.match(/energetic-ai[/][a-z]+|wink-[a-z-]+/g) ?? []))].sort();
      const before = loaded();
      const embedderLoaded = engine.sharedLocalEmbedder().loaded;
      engine.lexicalTerms('warm up');
      await engine.sharedLocalEmbedder().embed(['warm up']);
      console.log(JSON.stringify({ before, embedderLoaded, after: loaded() }));
    `;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(child.stderr).toBe('');
    // The "after" list proves the check sees these modules once they are loaded.
    expect(JSON.parse(child.stdout.trim())).toEqual({
      before: [],
      embedderLoaded: false,
      after: expect.arrayContaining([
        'energetic-ai/core',
        'energetic-ai/embeddings',
        'wink-eng-lite-web-model',
        'wink-nlp',
      ]),
    });
  });
});
