import { beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { FakeOpenAI } from '../fixtures/fake-openai/index.ts';

type Json = Record<string, unknown>;

export interface JobsApiHarness {
  /** Base URL of an API process. */
  readonly url: string;
  /** The fake model server the processes were pointed at (OPENAI_BASE_URL). */
  readonly upstream: FakeOpenAI;
}

/**
 * The jobs API as any deployment must behave, driven over HTTP against real processes: embedded (`keel
 * serve` running its own workers) or scaled (an API process and a separate `keel worker` on PostgreSQL,
 * where every event and every cancellation crosses processes).
 */
export function describeJobsApiContract(name: string, open: () => JobsApiHarness): void {
  describe(`jobs API contract: ${name}`, () => {
    let harness: JobsApiHarness;
    beforeAll(() => {
      harness = open();
    });

    async function enqueue(capability: string, input: unknown, headers: Record<string, string> = {}) {
      return fetch(`${harness.url}/v1/jobs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ capability, input }),
      });
    }

    async function created(capability: string, input: unknown): Promise<Json> {
      const response = await enqueue(capability, input);
      expect(response.status).toBe(202);
      return (await response.json()) as Json;
    }

    async function job(id: unknown): Promise<Json> {
      return (await (await fetch(`${harness.url}/v1/jobs/${String(id)}`)).json()) as Json;
    }

    async function settled(id: unknown): Promise<Json> {
      await expect
        .poll(async () => (await job(id)).status, { timeout: 20_000, interval: 50 })
        .toMatch(/^(succeeded|failed|cancelled)$/);
      return job(id);
    }

    /** The whole event history (the stream ends after the terminal event). */
    async function history(id: unknown): Promise<Json[]> {
      const response = await fetch(`${harness.url}/v1/jobs/${String(id)}/events`);
      expect(response.status).toBe(200);
      const text = await response.text();
      return text
        .split('\n\n')
        .flatMap((block) => block.split('\n').filter((line) => line.startsWith('data: ')))
        .map((line) => JSON.parse(line.slice(6)) as Json)
        .filter((event) => typeof event.id === 'number');
    }

    it('runs a job to success with an ordered, gap-free event history', async () => {
      const job = await created('echo', { text: 'across processes' });
      expect(await settled(job.id)).toMatchObject({
        status: 'succeeded',
        attempts: 1,
        result: { echo: 'across processes' },
      });
      const events = await history(job.id);
      expect(events.map((event) => event.type)).toEqual(['job-queued', 'job-started', 'job-succeeded']);
      expect(events.map((event) => event.id)).toEqual([1, 2, 3]);
    });

    it('streams live events to a client of the API while a worker produces them', async () => {
      const words = Array.from({ length: 40 }, (_, index) => `w${index}`);
      const job = await created('emitter', { words });
      // Opened straight away: replay, then live, then the end.
      const events = await history(job.id);
      expect(events.map((event) => event.id)).toEqual(events.map((_, index) => index + 1));
      expect(events.at(-1)?.type).toBe('job-succeeded');
      const text = events
        .filter((event) => event.type === 'text-delta')
        .map((event) => (event.data as Json).delta)
        .join('');
      expect(text).toBe(words.join(' '));
    });

    it('streams the same events over a WebSocket', async () => {
      const job = await created('emitter', { words: ['a', 'b', 'c'] });
      const messages = await new Promise<Json[]>((resolve, reject) => {
        const socket = new WebSocket(`${harness.url.replace('http', 'ws')}/v1/jobs/${String(job.id)}/ws`);
        const received: Json[] = [];
        socket.on('message', (data) => received.push(JSON.parse(String(data)) as Json));
        socket.on('close', (code) =>
          code === 1000 ? resolve(received) : reject(new Error(`closed with ${code}`)),
        );
        socket.on('error', reject);
      });
      expect(messages).toEqual(await history(job.id));
    });

    it('retries failed attempts with backoff, and journals workflow steps across redeliveries', async () => {
      const flaky = await created('flaky', { failures: 1 });
      expect(await settled(flaky.id)).toMatchObject({ status: 'succeeded', attempts: 2 });
      const workflow = await created('research', { topic: 'hulls', failAfterRead: true });
      expect(await settled(workflow.id)).toMatchObject({ status: 'succeeded', attempts: 2 });
      const steps = (await history(workflow.id))
        .filter((event) => String(event.type).startsWith('step-'))
        .map((event) => `${String(event.type)}:${String((event.data as Json).step)}`);
      expect(steps).toEqual([
        'step-started:gather',
        'step-succeeded:gather',
        'step-started:read',
        'step-succeeded:read',
        'step-skipped:gather',
        'step-skipped:read',
        'step-started:assess',
        'step-succeeded:assess',
      ]);
    });

    it('times attempts out, dead-letters the job, and retries it from the dead-letter list', async () => {
      const job = await created('slow', {});
      expect(await settled(job.id)).toMatchObject({
        status: 'failed',
        attempts: 2,
        error: { code: 'JOB_TIMED_OUT' },
      });
      const deadLetter = (await (
        await fetch(`${harness.url}/v1/jobs?status=failed&capability=slow`)
      ).json()) as Json;
      expect((deadLetter.items as Json[]).map((item) => item.id)).toContain(job.id);
      const retried = await fetch(`${harness.url}/v1/jobs/${String(job.id)}/retry`, { method: 'POST' });
      expect(retried.status).toBe(202);
      expect(await settled(job.id)).toMatchObject({ status: 'failed', attempts: 2 });
      const types = (await history(job.id)).map((event) => event.type);
      expect(types.filter((type) => type === 'job-started')).toHaveLength(4);
      expect(types).toContain('job-requeued');
    });

    it('cancels a running job: its worker aborts the model call in flight', async () => {
      harness.upstream.reset();
      harness.upstream.enqueueFaults({ kind: 'hang' });
      const job = await created('talker', { prompt: 'Take your time.' });
      await expect.poll(() => harness.upstream.requests.length, { timeout: 20_000 }).toBe(1);
      const cancel = await fetch(`${harness.url}/v1/jobs/${String(job.id)}/cancel`, { method: 'POST' });
      expect(cancel.status).toBe(202);
      expect(await settled(job.id)).toMatchObject({ status: 'cancelled' });
      await expect.poll(() => harness.upstream.abortedRequests(), { timeout: 10_000 }).toBe(1);
    });

    it('answers the same job for a repeated Idempotency-Key, and 409 for a different body', async () => {
      const key = { 'idempotency-key': `contract-${Math.random().toString(36).slice(2)}` };
      const first = await enqueue('echo', { text: 'same' }, key);
      const second = await enqueue('echo', { text: 'same' }, key);
      const third = await enqueue('echo', { text: 'different' }, key);
      expect(first.status).toBe(202);
      expect(((await second.json()) as Json).id).toBe(((await first.json()) as Json).id);
      expect(third.status).toBe(409);
    });
  });
}
