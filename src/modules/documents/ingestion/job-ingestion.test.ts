import { afterEach, describe, expect, it } from 'vitest';
import { fakeEmbeddingModel } from '../../../../test/fixtures/documents/fake-embedding-model.ts';
import { testJobSettings } from '../../../../test/support/jobs.ts';
import { createDocumentsDependencies } from '../../../main/documents-dependencies.ts';
import { InProcessNotifier, MemoryJobQueue } from '../../../platform/jobs/index.ts';
import { createLogger } from '../../../platform/logging/index.ts';
import { CapabilityInvoker } from '../../capabilities/index.ts';
import { emptyGatewaySettings, Gateway } from '../../gateway/index.ts';
import { JobRunner, MemoryJobStore } from '../../jobs/index.ts';
import { MemoryChunkIndex } from '../../retrieval/index.ts';
import { MemoryDocumentStore } from '../memory-document-store.ts';
import { INGESTION_ATTEMPTS, JobIngestionScheduler } from './job-ingestion.ts';

const clock = { now: () => new Date() };
const logger = createLogger({ level: 'silent' });
const runners: JobRunner[] = [];
afterEach(async () => {
  await Promise.all(runners.splice(0).map((runner) => runner.stop()));
});

/** One shared database (job store, document store, index) and the processes that use it. */
function shared() {
  const queue = new MemoryJobQueue();
  const notifier = new InProcessNotifier();
  const jobs = new MemoryJobStore(queue, notifier);
  const store = new MemoryDocumentStore();
  const index = new MemoryChunkIndex();
  /** A Keel process: its documents wiring over the shared stores, ingestion through the job queue. */
  const process = () =>
    createDocumentsDependencies({
      store,
      index,
      embeddingModel: fakeEmbeddingModel(),
      logger,
      clock,
      maxUploadBytes: 1_048_576,
      scheduler: new JobIngestionScheduler({ jobs, clock, cancelWaitMs: 2_000 }),
    });
  const startWorkers = async (documents: ReturnType<typeof process>) => {
    const runner = new JobRunner({
      store: jobs,
      notifier,
      invoker: new CapabilityInvoker({
        models: new Gateway({ settings: emptyGatewaySettings() }),
        clock,
        record: () => {},
      }),
      capabilities: [documents.ingestCapability],
      clock,
      logger,
      settings: { ...testJobSettings().runner, leaseMs: 500, pollIntervalMs: 50, exclusive: false },
    });
    runners.push(runner);
    await runner.start();
    return runner;
  };
  return { jobs, store, process, startWorkers };
}

const text = (value: string) => ({ bytes: new TextEncoder().encode(value), declaredType: 'text/plain' });

describe('document ingestion through the job queue', () => {
  it('ingests an upload accepted by one process in another, and returns the job id', async () => {
    const { jobs, store, process, startWorkers } = shared();
    const accepting = process();
    const collection = await accepting.service.createCollection('tenant-a', { name: 'c' });
    const accepted = await accepting.service.addDocument(
      'tenant-a',
      collection.collection.id,
      text('Lighthouses guide ships at night.'),
    );
    expect(accepted.jobId).toMatch(/^[0-9a-f-]{36}$/);
    // The accepting process is gone before it ingested anything; another process's workers take the job.
    await startWorkers(process());
    await expect
      .poll(async () => (await store.getDocument('tenant-a', accepted.document.id))?.status, {
        timeout: 10_000,
      })
      .toBe('ready');
    expect(await jobs.get('tenant-a', accepted.jobId as string)).toMatchObject({
      status: 'succeeded',
      capability: 'document-ingest',
      result: { documentId: accepted.document.id, status: 'ready' },
    });
  });

  it('fails a document for good once every counted attempt crashed, instead of resuming it forever', async () => {
    const { jobs, store, process } = shared();
    const documents = process();
    const collection = await documents.service.createCollection('tenant-a', { name: 'c' });
    const accepted = await documents.service.addDocument('tenant-a', collection.collection.id, text('Bomb.'));
    const job = await jobs.get('tenant-a', accepted.jobId as string);
    expect(job?.maxAttempts).toBe(INGESTION_ATTEMPTS + 1);
    // The attempt after the last counted one (the count is the job row's, kept across restarts).
    const output = await documents.ingestCapability.run(
      { documentId: accepted.document.id },
      {
        requestId: 'r',
        tenantId: 'tenant-a',
        signal: new AbortController().signal,
        logger,
        clock,
        models: undefined as never,
        modelChoice: undefined,
        usage: () => ({}) as never,
        emit: () => {},
        progress: () => {},
        step: (_name, run) => run({ key: 'k' }),
        job: {
          id: job?.id as string,
          attempt: INGESTION_ATTEMPTS + 1,
          maxAttempts: INGESTION_ATTEMPTS + 1,
          idempotencyKey: `keel-job:${job?.id}`,
        },
      },
    );
    expect(output).toEqual({ documentId: accepted.document.id, status: 'failed' });
    expect(await store.getDocument('tenant-a', accepted.document.id)).toMatchObject({
      status: 'failed',
      error: { code: 'DOCUMENTS_INGESTION_ABANDONED', retryable: false },
    });
  });

  it('cancels a queued ingestion when its document is deleted', async () => {
    const { jobs, process } = shared();
    const documents = process();
    const collection = await documents.service.createCollection('tenant-a', { name: 'c' });
    const accepted = await documents.service.addDocument(
      'tenant-a',
      collection.collection.id,
      text('Gone soon.'),
    );
    await documents.service.deleteDocument('tenant-a', accepted.document.id);
    expect((await jobs.get('tenant-a', accepted.jobId as string))?.status).toBe('cancelled');
  });
});
