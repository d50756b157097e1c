import type { LanguageModelV4CallOptions, LanguageModelV4StreamPart } from '@ai-sdk/provider';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type FakeOpenAI, startFakeOpenAI } from '../../../test/fixtures/fake-openai/index.ts';
import { FAST_RESILIENCE, readAll, streamErrorCode } from '../../../test/support/gateway-fixtures.ts';
import { AppError } from '../../platform/errors/index.ts';
import { emptyGatewaySettings, Gateway, type ModelCallRecord, type ResilienceSettings } from './index.ts';

/**
 * R1: every fault the fake upstream can inject, through the real OpenAI-compatible provider and Keel's
 * gateway, gives its documented outcome: retry, fallback (before the first token only), circuit open, an
 * explicit stream error, the right code. After each case nothing is left hanging on the upstream.
 */

// Generous deadlines (a loaded machine must not turn a slow answer into a timeout); the cases about
// timeouts set their own short ones.
const RESILIENCE: ResilienceSettings = {
  ...FAST_RESILIENCE,
  requestTimeoutMs: 5_000,
  firstTokenTimeoutMs: 5_000,
  idleTimeoutMs: 5_000,
};

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

let primary: FakeOpenAI;
let backup: FakeOpenAI;

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  primary = await startFakeOpenAI({ reply: () => 'The keel keeps the boat upright' });
  backup = await startFakeOpenAI({ reply: () => 'Backup answer' });
});

afterEach(async () => {
  // Nothing may stay in flight upstream: every exchange finished, was aborted, or was cut.
  await expect
    .poll(() => [...primary.requests, ...backup.requests].every((request) => request.closedAt !== undefined))
    .toBe(true);
  expect(primary.pendingFaults()).toBe(0);
  primary.reset();
  backup.reset();
});

afterAll(async () => {
  await primary?.close();
  await backup?.close();
  process.off('unhandledRejection', onUnhandled);
  expect(unhandled).toEqual([]);
});

function gatewayFor(resilience: Partial<ResilienceSettings> = {}) {
  const calls: ModelCallRecord[] = [];
  const provider = (name: string, fake: FakeOpenAI) => ({
    name,
    kind: 'openai-compatible' as const,
    baseUrl: fake.url,
    apiKey: 'test-key',
    headers: {},
    structuredOutputs: false,
  });
  const gateway = new Gateway({
    settings: emptyGatewaySettings({
      providers: [provider('fake', primary), provider('backup', backup)],
      aliases: [
        { name: 'default', deployments: [{ ref: 'fake:fake-model', weight: 1 }], fallbacks: [] },
        {
          name: 'guarded',
          deployments: [{ ref: 'fake:fake-model', weight: 1 }],
          fallbacks: ['backup:fake-model'],
        },
      ],
      resilience: { ...RESILIENCE, ...resilience },
    }),
    observers: [(call) => calls.push(call)],
  });
  return { gateway, calls };
}

const scope = { requestId: 'fault-1', tenantId: 'tenant-a', source: 'test' };
const options = (abortSignal?: AbortSignal): LanguageModelV4CallOptions => ({
  prompt: [{ role: 'user', content: [{ type: 'text', text: 'What does a keel do?' }] }],
  ...(abortSignal ? { abortSignal } : {}),
});

async function generate(gateway: Gateway, alias = 'default') {
  const model = gateway.languageModel(alias, scope);
  if (!model) throw new Error('not configured');
  return model.doGenerate(options());
}

async function failure(promise: Promise<unknown>): Promise<AppError> {
  const caught = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(caught).toBeInstanceOf(AppError);
  return caught as AppError;
}

function text(result: { content: ReadonlyArray<{ type: string; text?: string }> }): string {
  return result.content.map((part) => part.text ?? '').join('');
}

async function stream(gateway: Gateway, alias = 'default', abortSignal?: AbortSignal) {
  const model = gateway.languageModel(alias, scope);
  if (!model) throw new Error('not configured');
  return model.doStream(options(abortSignal));
}

function streamedText(parts: readonly LanguageModelV4StreamPart[]): string {
  return parts.map((part) => (part.type === 'text-delta' ? part.delta : '')).join('');
}

describe('JSON answers', () => {
  it.each([
    ['429 with Retry-After', { kind: 'status', status: 429, retryAfter: '0' }],
    ['429 without Retry-After', { kind: 'status', status: 429 }],
    ['500', { kind: 'status', status: 500 }],
    ['503', { kind: 'status', status: 503 }],
    ['a connection cut mid-body', { kind: 'cut', afterChunks: 0 }],
    ['malformed JSON', { kind: 'malformed-json' }],
    ['a 200 carrying an error', { kind: 'error-body' }],
  ] as const)('%s: retried, then answered', async (_name, fault) => {
    primary.enqueueFaults(fault);
    const { gateway, calls } = gatewayFor();
    const result = await generate(gateway);
    expect(text(result)).toBe('The keel keeps the boat upright');
    expect(primary.requests).toHaveLength(2);
    expect(calls[0]).toMatchObject({ outcome: 'succeeded', attempts: 2, retries: 1 });
  });

  it('slow tokens: answered, only later', async () => {
    primary.enqueueFaults({ kind: 'slow', tokenDelayMs: 20 });
    const { gateway } = gatewayFor();
    expect(text(await generate(gateway))).toBe('The keel keeps the boat upright');
    expect(primary.requests).toHaveLength(1);
  });

  it('a 429 asking for longer than Keel may wait: no retry, 429 with its Retry-After', async () => {
    primary.enqueueFaults({ kind: 'status', status: 429, retryAfter: '120' });
    const { gateway } = gatewayFor();
    const error = await failure(generate(gateway));
    expect(error).toMatchObject({
      code: 'GATEWAY_RATE_LIMITED',
      status: 429,
      headers: { 'retry-after': '120' },
    });
    expect(primary.requests).toHaveLength(1);
  });

  it('503 on every attempt: falls back to the next deployment', async () => {
    primary.setDefaultFault({ kind: 'status', status: 503 });
    const { gateway, calls } = gatewayFor();
    const result = await generate(gateway, 'guarded');
    expect(text(result)).toBe('Backup answer');
    expect(primary.requests).toHaveLength(3);
    expect(backup.requests).toHaveLength(1);
    expect(calls[0]).toMatchObject({ deployment: 'backup:fake-model', fallbacks: 1, attempts: 4 });
  });

  it('503 on every attempt, no fallback: 502 GATEWAY_UPSTREAM_ERROR with the upstream status', async () => {
    primary.setDefaultFault({ kind: 'status', status: 503 });
    const { gateway } = gatewayFor();
    const error = await failure(generate(gateway));
    expect(error).toMatchObject({
      code: 'GATEWAY_UPSTREAM_ERROR',
      status: 502,
      details: { upstream_status: 503 },
    });
    expect(primary.requests).toHaveLength(3);
  });

  it('a hang before the first byte: each attempt is aborted at its deadline, then 504', async () => {
    primary.setDefaultFault({ kind: 'hang' });
    const { gateway } = gatewayFor({ maxAttempts: 2, requestTimeoutMs: 100 });
    const error = await failure(generate(gateway));
    expect(error).toMatchObject({ code: 'GATEWAY_PROVIDER_TIMEOUT', status: 504 });
    await expect.poll(() => primary.abortedRequests()).toBe(2);
  });

  it('a request the provider refuses (400): no retry, no fallback, 502 GATEWAY_REQUEST_REJECTED', async () => {
    primary.enqueueFaults({ kind: 'status', status: 400 });
    const { gateway } = gatewayFor();
    const error = await failure(generate(gateway, 'guarded'));
    expect(error).toMatchObject({ code: 'GATEWAY_REQUEST_REJECTED', details: { upstream_status: 400 } });
    expect(backup.requests).toHaveLength(0);
  });

  it('repeated failures open the circuit: later calls fail fast without reaching the provider', async () => {
    primary.setDefaultFault({ kind: 'status', status: 500 });
    const { gateway } = gatewayFor({
      maxAttempts: 1,
      breaker: { failureThreshold: 2, halfOpenAfterMs: 60_000 },
    });
    await failure(generate(gateway));
    await failure(generate(gateway));
    const error = await failure(generate(gateway));
    expect(error).toMatchObject({ code: 'GATEWAY_CIRCUIT_OPEN', status: 503 });
    expect(primary.requests).toHaveLength(2);
    expect(gateway.availableModels().map((model) => model.id)).not.toContain('fake:fake-model');
  });

  it('the open circuit probes again after halfOpenAfter and closes on success', async () => {
    primary.enqueueFaults({ kind: 'status', status: 500 });
    const { gateway } = gatewayFor({ maxAttempts: 1, breaker: { failureThreshold: 1, halfOpenAfterMs: 50 } });
    await failure(generate(gateway));
    await expect.poll(() => gateway.circuit('fake:fake-model')).toBe('open');
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(text(await generate(gateway))).toBe('The keel keeps the boat upright');
    await expect.poll(() => gateway.circuit('fake:fake-model')).toBe('closed');
  });
});

describe('streamed answers', () => {
  it.each([
    ['429', { kind: 'status', status: 429, retryAfter: '0' }],
    ['500', { kind: 'status', status: 500 }],
    ['a cut before the first event', { kind: 'cut', afterChunks: 0 }],
    ['a malformed event before the first token', { kind: 'malformed-json' }],
    ['an error event', { kind: 'error-body' }],
  ] as const)(
    '%s before the first token: retried, the client sees one clean stream',
    async (_name, fault) => {
      primary.enqueueFaults(fault);
      const { gateway, calls } = gatewayFor();
      const parts = await readAll((await stream(gateway)).stream);
      expect(parts.some((part) => part.type === 'error')).toBe(false);
      expect(streamedText(parts)).toBe('The keel keeps the boat upright');
      expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: { unified: 'stop' } });
      expect(calls[0]).toMatchObject({ outcome: 'succeeded', retries: 1 });
      expect(calls[0]?.timeToFirstTokenMs).toBeGreaterThan(0);
    },
  );

  it('a cut after the first tokens: an explicit error part and an error finish, no fallback', async () => {
    primary.enqueueFaults({ kind: 'cut', afterChunks: 3 });
    const { gateway, calls } = gatewayFor();
    const parts = await readAll((await stream(gateway, 'guarded')).stream);
    expect(streamedText(parts)).toBe('The keel');
    expect(streamErrorCode(parts)).toBe('GATEWAY_UPSTREAM_ERROR');
    expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: { unified: 'error' } });
    expect(backup.requests).toHaveLength(0);
    expect(calls[0]).toMatchObject({ outcome: 'failed', errorCode: 'GATEWAY_UPSTREAM_ERROR', fallbacks: 0 });
  });

  it('a hang before the first token: retried at the first-token deadline, then 504', async () => {
    primary.setDefaultFault({ kind: 'hang' });
    const { gateway } = gatewayFor({ maxAttempts: 2, firstTokenTimeoutMs: 100 });
    const error = await failure(stream(gateway));
    expect(error.code).toBe('GATEWAY_PROVIDER_TIMEOUT');
    await expect.poll(() => primary.abortedRequests()).toBe(2);
  });

  it('every attempt fails before the first token: the fallback streams instead', async () => {
    primary.setDefaultFault({ kind: 'status', status: 503 });
    const { gateway } = gatewayFor();
    const parts = await readAll((await stream(gateway, 'guarded')).stream);
    expect(streamedText(parts)).toBe('Backup answer');
  });

  it('slow tokens within the idle timeout: streamed to the end', async () => {
    primary.enqueueFaults({ kind: 'slow', tokenDelayMs: 30 });
    const { gateway } = gatewayFor();
    const parts = await readAll((await stream(gateway)).stream);
    expect(streamedText(parts)).toBe('The keel keeps the boat upright');
  });

  it('tokens slower than the idle timeout: an explicit GATEWAY_PROVIDER_TIMEOUT error part', async () => {
    primary.enqueueFaults({ kind: 'slow', tokenDelayMs: 150 });
    const { gateway } = gatewayFor({ idleTimeoutMs: 60, firstTokenTimeoutMs: 1_000 });
    const parts = await readAll((await stream(gateway)).stream);
    expect(streamErrorCode(parts)).toBe('GATEWAY_PROVIDER_TIMEOUT');
    await expect.poll(() => primary.abortedRequests()).toBe(1);
  });

  it('the consumer going away aborts the upstream request', async () => {
    primary.enqueueFaults({ kind: 'slow', tokenDelayMs: 50 });
    const controller = new AbortController();
    const { gateway, calls } = gatewayFor({ firstTokenTimeoutMs: 1_000 });
    const result = await stream(gateway, 'default', controller.signal);
    const reader = result.stream.getReader();
    while ((await reader.read()).value?.type !== 'text-delta') {
      // read up to the first token
    }
    controller.abort();
    await reader.cancel();
    await expect.poll(() => primary.abortedRequests()).toBe(1);
    expect(calls[0]).toMatchObject({ outcome: 'aborted' });
  });
});
