import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inlineLocalEngine, LOCAL_ENGINE_LIMITS } from '../local-engine/index.ts';
import {
  DEFAULT_CHUNKING,
  DEFAULT_PARSE_LIMITS,
  DocumentParseLimitError,
  inlineDocumentProcessor,
} from '../modules/documents/index.ts';
import type { WorkerPool } from '../platform/compute/index.ts';
import { isAppError } from '../platform/errors/index.ts';
import { createLogger } from '../platform/logging/index.ts';
import { KeelMetrics } from '../platform/telemetry/index.ts';
import { createComputePool, pooledDocumentProcessor, pooledLocalEngine } from './compute.ts';

/**
 * The real compute worker (src/main/compute-worker.ts) behind the engine and document ports: what runs on
 * the pool answers exactly what runs inline, errors keep their codes across the thread boundary, and a
 * caller that goes away stops its task.
 */
let pool: WorkerPool;
const metrics = new KeelMetrics({ defaultMetrics: false });

beforeAll(async () => {
  pool = createComputePool(
    { threads: 1, maxQueue: 64, queueTimeoutMs: 60_000, taskTimeoutMs: 120_000, maxHeapMb: 1_536 },
    { metrics, logger: createLogger({ level: 'silent' }) },
  );
});
afterAll(async () => pool?.close());

async function outcomes(): Promise<Record<string, number>> {
  const counted = await metrics.computeTasks.get();
  return Object.fromEntries(
    counted.values.map((value) => [`${value.labels.kind}:${value.labels.outcome}`, value.value]),
  );
}

describe('the local engine on the compute pool', () => {
  const lexical = () => pooledLocalEngine(pool, { taskTimeoutMs: 60_000, embeddings: false });
  const inline = inlineLocalEngine({ embedder: null });

  it('answers exactly what the inline engine answers, for every strategy', async () => {
    const items = [
      { id: 'bag', text: 'Sleeping bag rated to minus five degrees, keeps you warm at night' },
      { id: 'lamp', text: 'Headlamp with 300 lumens and a red light mode' },
      { id: 'stove', text: 'Gas stove that boils water in three minutes' },
    ];
    const text =
      'Keel runs embedded on one machine. It scales out on PostgreSQL and Redis. Workers run jobs. The console shows requests.';
    const cases: Array<[string, () => Promise<unknown>, () => Promise<unknown>]> = [
      [
        'classify',
        () =>
          lexical().classify({ text: 'refund my payment', labels: [{ name: 'billing' }, { name: 'bug' }] }),
        () => inline.classify({ text: 'refund my payment', labels: [{ name: 'billing' }, { name: 'bug' }] }),
      ],
      [
        'summarize',
        () => lexical().summarize({ text, max_sentences: 2 }),
        () => inline.summarize({ text, max_sentences: 2 }),
      ],
      [
        'extract',
        () =>
          lexical().extract({
            text: 'Write to ceo@acme.example before 2024-05-01.',
            schema: { type: 'object', properties: { email: { type: 'string', format: 'email' } } },
          }),
        () =>
          inline.extract({
            text: 'Write to ceo@acme.example before 2024-05-01.',
            schema: { type: 'object', properties: { email: { type: 'string', format: 'email' } } },
          }),
      ],
      [
        'score',
        () => lexical().score({ query: 'warm at night', items }),
        () => inline.score({ query: 'warm at night', items }),
      ],
      [
        'recommend',
        () => lexical().recommend({ query: 'warm at night', items, k: 2 }),
        () => inline.recommend({ query: 'warm at night', items, k: 2 }),
      ],
    ];
    for (const [name, pooled, direct] of cases) {
      expect(await pooled(), name).toEqual(await direct());
    }
  });

  it('keeps an engine error’s code and details across the thread boundary', async () => {
    const error = await lexical()
      .summarize({ text: 'x'.repeat(LOCAL_ENGINE_LIMITS.maxTextChars + 1) })
      .catch((caught: unknown) => caught);
    const expected = await inline
      .summarize({ text: 'x'.repeat(LOCAL_ENGINE_LIMITS.maxTextChars + 1) })
      .catch((caught: unknown) => caught);
    expect(isAppError(error)).toBe(true);
    expect(isAppError(error) && isAppError(expected) && error.code).toBe(
      isAppError(expected) && expected.code,
    );
  });

  it('parses and chunks a document as the inline processor does, and revives a parse error', async () => {
    const bytes = await readFile(new URL('../../docs/jobs.md', import.meta.url));
    const request = {
      bytes: new Uint8Array(bytes),
      mediaType: 'text/markdown' as const,
      chunking: DEFAULT_CHUNKING,
    };
    const pooled = await pooledDocumentProcessor(pool, { taskTimeoutMs: 60_000 }).process(request);
    expect(pooled).toEqual(await inlineDocumentProcessor().process(request));
    expect(pooled.chunks.length).toBeGreaterThan(5);
    const broken = await pooledDocumentProcessor(pool, { taskTimeoutMs: 60_000 })
      .process({ ...request, bytes: new Uint8Array([1, 2, 3]), mediaType: 'application/pdf' })
      .catch((caught: unknown) => caught);
    expect((broken as Error).name).toBe('DocumentParseError');
    const deep = `${'['.repeat(50)}1${']'.repeat(50)}`;
    const limited = await pooledDocumentProcessor(pool, { taskTimeoutMs: 60_000 })
      .process({
        ...request,
        bytes: new TextEncoder().encode(deep),
        mediaType: 'application/json',
        limits: { ...DEFAULT_PARSE_LIMITS, maxNestingDepth: 10 },
      })
      .catch((caught: unknown) => caught);
    expect(limited).toBeInstanceOf(DocumentParseLimitError);
    expect((limited as DocumentParseLimitError).limit).toBe('maxNestingDepth');
  });

  it('a caller that goes away stops its task, and the pool keeps serving', async () => {
    const engine = pooledLocalEngine(pool, { taskTimeoutMs: 60_000, embeddings: true });
    const controller = new AbortController();
    const texts = Array.from(
      { length: 400 },
      (_, index) => `item ${index}: a text about camping gear number ${index}`,
    );
    const running = engine.score(
      { query: 'warm sleeping bag', items: texts.map((text, index) => ({ id: String(index), text })) },
      { signal: controller.signal },
    );
    setTimeout(() => controller.abort(new Error('client went away')), 300);
    await expect(running).rejects.toThrow('client went away');
    expect((await outcomes())['engine.score:cancelled']).toBe(1);
    const after = await lexical().classify({
      text: 'refund',
      labels: [{ name: 'billing' }, { name: 'bug' }],
    });
    expect(after.labels).toHaveLength(2);
  });
});
