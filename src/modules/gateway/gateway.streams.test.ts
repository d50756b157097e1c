import type { LanguageModelV4CallOptions, LanguageModelV4StreamPart } from '@ai-sdk/provider';
import { MockLanguageModelV4 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import {
  gatewayOver,
  readAll,
  scope,
  streamErrorCode,
  textParts,
  upstreamError,
  usage,
} from '../../../test/support/gateway-fixtures.ts';
import type { AppError } from '../../platform/errors/index.ts';

const prompt: LanguageModelV4CallOptions = {
  prompt: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
};

type StreamStep =
  | LanguageModelV4StreamPart[]
  | Error
  | ((options: LanguageModelV4CallOptions) => ReadableStream<LanguageModelV4StreamPart>);

/** A mock model streaming each scripted step in turn; each stream remembers whether it was cancelled. */
function streaming(ref: string, steps: StreamStep[]) {
  const [provider = '', modelId = ''] = ref.split(':');
  const queue = [...steps];
  const cancelled: boolean[] = [];
  const model = new MockLanguageModelV4({
    provider,
    modelId,
    doStream: async (options) => {
      const step = queue.shift();
      if (step === undefined) throw new Error(`${ref}: unexpected call`);
      if (step instanceof Error) throw step;
      const index = cancelled.push(false) - 1;
      const inner = typeof step === 'function' ? step(options) : fromParts(step);
      const reader = inner.getReader();
      return {
        stream: new ReadableStream<LanguageModelV4StreamPart>({
          async pull(controller) {
            try {
              const next = await reader.read();
              if (next.done) controller.close();
              else controller.enqueue(next.value);
            } catch (error) {
              controller.error(error);
            }
          },
          cancel(reason) {
            cancelled[index] = true;
            return reader.cancel(reason);
          },
        }),
      };
    },
  });
  return { model, cancelled };
}

function fromParts(parts: LanguageModelV4StreamPart[]): ReadableStream<LanguageModelV4StreamPart> {
  return new ReadableStream({
    start(controller) {
      for (const part of parts) controller.enqueue(part);
      controller.close();
    },
  });
}

/** Sends `parts`, then fails with `error` (a connection cut), or stalls forever when `error` is undefined. */
function thenFail(parts: LanguageModelV4StreamPart[], error?: Error) {
  return (options: LanguageModelV4CallOptions) =>
    new ReadableStream<LanguageModelV4StreamPart>({
      start(controller) {
        for (const part of parts) controller.enqueue(part);
        // Later, so the parts already sent are read first (erroring a stream drops what is queued).
        if (error) setTimeout(() => controller.error(error), 5);
        options.abortSignal?.addEventListener('abort', () => controller.error(options.abortSignal?.reason));
      },
    });
}

const head: LanguageModelV4StreamPart[] = [
  { type: 'stream-start', warnings: [] },
  { type: 'text-start', id: 't' },
];

describe('streams through the gateway', () => {
  it('relays the parts, records time to first token and usage, and puts the facts on the finish part', async () => {
    const { model } = streaming('alpha:a1', [textParts('one two three')]);
    const { gateway, calls } = gatewayOver({ 'alpha:a1': model });
    const result = await gateway.languageModel('default', scope)?.doStream(prompt);
    const parts = await readAll(result?.stream ?? fromParts([]));
    expect(parts.filter((part) => part.type === 'text-delta').map((part) => part.delta)).toEqual([
      'one',
      ' two',
      ' three',
    ]);
    const finish = parts.at(-1);
    expect(finish).toMatchObject({
      type: 'finish',
      providerMetadata: { keel: { deployment: 'alpha:a1', attempts: 1 } },
    });
    expect(calls[0]).toMatchObject({
      operation: 'stream',
      outcome: 'succeeded',
      inputTokens: 5,
      outputTokens: 2,
      tokensEstimated: false,
    });
    expect(calls[0]?.timeToFirstTokenMs).toBeGreaterThanOrEqual(0);
  });

  it('retries and falls back while nothing has been sent: an error part or a cut before the first token', async () => {
    const primary = streaming('alpha:a1', [
      [...head, { type: 'error', error: { message: 'server_error' } }],
      thenFail(head, new TypeError('terminated')),
      upstreamError(503),
    ]);
    const fallback = streaming('beta:b1', [textParts('rescued')]);
    const { gateway, calls } = gatewayOver(
      { 'alpha:a1': primary.model, 'beta:b1': fallback.model },
      {
        aliases: [{ name: 'default', deployments: [{ ref: 'alpha:a1', weight: 1 }], fallbacks: ['beta:b1'] }],
      },
    );
    const result = await gateway.languageModel('default', scope)?.doStream(prompt);
    const parts = await readAll(result?.stream ?? fromParts([]));
    expect(parts.some((part) => part.type === 'error')).toBe(false);
    expect(parts.filter((part) => part.type === 'text-delta').map((part) => part.delta)).toEqual(['rescued']);
    // Every failed attempt's upstream call is released: cancelled, or aborted through its signal.
    expect(primary.cancelled[0]).toBe(true);
    expect(primary.model.doStreamCalls.every((call) => call.abortSignal?.aborted)).toBe(true);
    expect(calls[0]).toMatchObject({
      deployment: 'beta:b1',
      attempts: 4,
      retries: 2,
      fallbacks: 1,
      outcome: 'succeeded',
    });
  });

  it('after the first token, turns an upstream cut into an error part and a finish with reason error', async () => {
    const { model } = streaming('alpha:a1', [
      thenFail([...head, { type: 'text-delta', id: 't', delta: 'half an ans' }], new TypeError('terminated')),
    ]);
    const fallback = streaming('beta:b1', []);
    const { gateway, calls } = gatewayOver(
      { 'alpha:a1': model, 'beta:b1': fallback.model },
      {
        aliases: [{ name: 'default', deployments: [{ ref: 'alpha:a1', weight: 1 }], fallbacks: ['beta:b1'] }],
      },
    );
    const result = await gateway.languageModel('default', scope)?.doStream(prompt);
    const parts = await readAll(result?.stream ?? fromParts([]));
    expect(streamErrorCode(parts)).toBe('GATEWAY_UPSTREAM_ERROR');
    expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: { unified: 'error' } });
    expect(model.doStreamCalls).toHaveLength(1);
    expect(fallback.model.doStreamCalls).toHaveLength(0);
    expect(calls[0]).toMatchObject({
      outcome: 'failed',
      errorCode: 'GATEWAY_UPSTREAM_ERROR',
      tokensEstimated: true,
    });
    expect(calls[0]?.outputTokens).toBeGreaterThan(0);
  });

  it('turns an error part after the first token into an explicit failure, not a clean end', async () => {
    const { model, cancelled } = streaming('alpha:a1', [
      [
        ...head,
        { type: 'text-delta', id: 't', delta: 'partial' },
        { type: 'error', error: { message: 'server_error' } },
        { type: 'text-delta', id: 't', delta: 'never sent' },
        { type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage: usage(1, 1) },
      ],
    ]);
    const { gateway } = gatewayOver({ 'alpha:a1': model });
    const result = await gateway.languageModel('default', scope)?.doStream(prompt);
    const parts = await readAll(result?.stream ?? fromParts([]));
    expect(parts.map((part) => part.type)).toEqual([
      'stream-start',
      'text-start',
      'text-delta',
      'error',
      'finish',
    ]);
    expect(parts.at(-1)).toMatchObject({ finishReason: { unified: 'error' } });
    expect(cancelled).toEqual([true]);
  });

  it('fails a stream that goes silent for longer than the idle timeout', async () => {
    const { model, cancelled } = streaming('alpha:a1', [
      thenFail([...head, { type: 'text-delta', id: 't', delta: 'then nothing' }]),
    ]);
    const { gateway, calls } = gatewayOver({ 'alpha:a1': model }, { resilience: { idleTimeoutMs: 40 } });
    const result = await gateway.languageModel('default', scope)?.doStream(prompt);
    const parts = await readAll(result?.stream ?? fromParts([]));
    expect(streamErrorCode(parts)).toBe('GATEWAY_PROVIDER_TIMEOUT');
    expect(model.doStreamCalls[0]?.abortSignal?.aborted).toBe(true);
    expect(cancelled).toHaveLength(1);
    expect(calls[0]).toMatchObject({ outcome: 'failed', errorCode: 'GATEWAY_PROVIDER_TIMEOUT' });
  });

  it('gives up on a stream whose first token never comes, after its own attempts', async () => {
    const { model } = streaming('alpha:a1', [thenFail(head), thenFail(head)]);
    const { gateway } = gatewayOver(
      { 'alpha:a1': model },
      { resilience: { maxAttempts: 2, firstTokenTimeoutMs: 30 } },
    );
    const error = await Promise.resolve(gateway.languageModel('default', scope)?.doStream(prompt)).catch(
      (caught: unknown) => caught,
    );
    expect((error as AppError).code).toBe('GATEWAY_PROVIDER_TIMEOUT');
    expect(model.doStreamCalls).toHaveLength(2);
  });

  it('cancels the upstream and records an aborted call with partial usage when the consumer goes away', async () => {
    const { model, cancelled } = streaming('alpha:a1', [
      thenFail([...head, { type: 'text-delta', id: 't', delta: 'some words here' }]),
    ]);
    const { gateway, calls } = gatewayOver({ 'alpha:a1': model });
    const result = await gateway.languageModel('default', scope)?.doStream(prompt);
    const reader = result?.stream.getReader();
    for (let i = 0; i < 3; i++) await reader?.read();
    await reader?.cancel('client left');
    expect(cancelled).toEqual([true]);
    expect(calls[0]).toMatchObject({ outcome: 'aborted', tokensEstimated: true });
    expect(calls[0]?.outputTokens).toBeGreaterThan(0);
  });

  it('an empty answer (finish before any text) is a complete answer', async () => {
    const { model } = streaming('alpha:a1', [
      [
        { type: 'stream-start', warnings: [] },
        { type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage: usage(3, 0) },
      ],
    ]);
    const { gateway, calls } = gatewayOver({ 'alpha:a1': model });
    const result = await gateway.languageModel('default', scope)?.doStream(prompt);
    const parts = await readAll(result?.stream ?? fromParts([]));
    expect(parts.map((part) => part.type)).toEqual(['stream-start', 'finish']);
    expect(calls[0]).toMatchObject({ outcome: 'succeeded' });
  });
});
