import type { LanguageModelV4 } from '@ai-sdk/provider';
import { generateText } from 'ai';
import { describe, expect, it } from 'vitest';
import {
  answer,
  gatewayOver,
  scope,
  scripted,
  upstreamError,
} from '../../../test/support/gateway-fixtures.ts';
import { AppError } from '../../platform/errors/index.ts';

async function failureOf(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

async function ask(model: LanguageModelV4 | undefined) {
  if (model === undefined) throw new Error('model not configured');
  return model.doGenerate({ prompt: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] });
}

describe('routing', () => {
  it('serves an alias from its deployment and says which one served', async () => {
    const primary = scripted('alpha:a1', [answer('from alpha')]);
    const { gateway, calls } = gatewayOver({ 'alpha:a1': primary });
    const result = await ask(gateway.languageModel('default', scope));
    expect(result.content).toEqual([{ type: 'text', text: 'from alpha' }]);
    expect(result.providerMetadata?.keel).toMatchObject({
      route: 'default',
      deployment: 'alpha:a1',
      attempts: 1,
      retries: 0,
      fallbacks: 0,
      cacheHit: false,
    });
    expect(calls).toMatchObject([
      { outcome: 'succeeded', deployment: 'alpha:a1', inputTokens: 7, outputTokens: 3 },
    ]);
  });

  it('resolves fast and smart to default until they are declared, and routes a capability by config', async () => {
    const alpha = scripted('alpha:a1', [answer('a'), answer('b')]);
    const beta = scripted('beta:b1', [answer('c')]);
    const { gateway } = gatewayOver(
      { 'alpha:a1': alpha, 'beta:b1': beta },
      {
        aliases: [{ name: 'summarizer', deployments: [{ ref: 'beta:b1', weight: 1 }], fallbacks: [] }],
        settings: { routes: { summarize: 'summarizer' } },
      },
    );
    await ask(gateway.languageModel('fast', scope));
    await ask(gateway.languageModel('smart', scope));
    const models = gateway.forInvocation({
      ...scope,
      capability: 'summarize',
      signal: new AbortController().signal,
    });
    await generateText({ model: models.language(), prompt: 'x', maxRetries: 0 });
    expect(alpha.doGenerateCalls).toHaveLength(2);
    expect(beta.doGenerateCalls).toHaveLength(1);
  });

  it('treats a route to `local` as the embedded engine: no model, not a name the OpenAI surface serves', () => {
    const { gateway } = gatewayOver(
      { 'alpha:a1': scripted('alpha:a1', []) },
      { settings: { routes: { summarize: 'local' } } },
    );
    expect(gateway.warnings).toEqual([]);
    expect(gateway.isConfigured('local')).toBe(false);
    const models = gateway.forInvocation({
      ...scope,
      capability: 'summarize',
      signal: new AbortController().signal,
    });
    expect(models.routed).toBe('local');
    expect(models.available()).toBe(false);
    // The caller's choice wins over the route.
    const chosen = gateway.forInvocation({
      ...scope,
      capability: 'summarize',
      signal: new AbortController().signal,
      model: 'alpha:a1',
    });
    expect(chosen.routed).toBe('alpha:a1');
    expect(chosen.available()).toBe(true);
  });

  it('answers MODEL_NOT_CONFIGURED naming the alias, and undefined to the OpenAI surface', () => {
    const { gateway } = gatewayOver({ 'alpha:a1': scripted('alpha:a1', []) });
    const models = gateway.forInvocation({ ...scope, capability: 'x', signal: new AbortController().signal });
    expect(() => models.language('nonexistent')).toThrow(AppError);
    try {
      models.language('nonexistent');
    } catch (error) {
      expect((error as AppError).code).toBe('MODEL_NOT_CONFIGURED');
      expect((error as AppError).detail).toContain('"nonexistent"');
    }
    expect(gateway.languageModel('nonexistent', scope)).toBeUndefined();
    expect(gateway.languageModel('unknown-provider:x', scope)).toBeUndefined();
    // Unknown names leave nothing behind: no warning, no cached entry, however many arrive.
    const warnings = gateway.warnings.length;
    for (let i = 0; i < 50; i++) gateway.languageModel(`made-up-${i}:model`, scope);
    expect(gateway.warnings.length).toBe(warnings);
    expect(gateway.isConfigured('made-up-1:model')).toBe(false);
    expect(gateway.isConfigured('default')).toBe(true);
  });

  it('reports the default model and each circuit to /readyz', async () => {
    const { gateway } = gatewayOver({ 'alpha:a1': scripted('alpha:a1', []) });
    expect(await gateway.readinessCheck().check()).toEqual({
      configured: true,
      provider: 'alpha',
      model: 'a1',
      deployments: [{ id: 'alpha:a1', circuit: 'closed' }],
    });
  });

  it('lists aliases, deployments and their circuit state', () => {
    const { gateway } = gatewayOver(
      { 'alpha:a1': scripted('alpha:a1', []), 'beta:b1': scripted('beta:b1', []) },
      { aliases: [{ name: 'smart', deployments: [{ ref: 'beta:b1', weight: 1 }], fallbacks: ['alpha:a1'] }] },
    );
    const listing = gateway.list();
    expect(listing.aliases).toContainEqual({
      name: 'smart',
      kind: 'language',
      deployments: ['beta:b1'],
      fallbacks: ['alpha:a1'],
      healthy: true,
    });
    expect(listing.aliases.map((alias) => alias.name)).toEqual(
      expect.arrayContaining(['default', 'fast', 'smart']),
    );
    expect(listing.deployments).toContainEqual(
      expect.objectContaining({ id: 'beta:b1', circuit: 'closed', kinds: ['language'] }),
    );
  });
});

describe('the retry loop', () => {
  it('retries a retryable failure on the same deployment, then succeeds', async () => {
    const model = scripted('alpha:a1', [upstreamError(503), upstreamError(500), answer('third time')]);
    const { gateway, calls } = gatewayOver({ 'alpha:a1': model });
    const result = await ask(gateway.languageModel('default', scope));
    expect(result.content).toEqual([{ type: 'text', text: 'third time' }]);
    expect(model.doGenerateCalls).toHaveLength(3);
    expect(calls[0]).toMatchObject({ outcome: 'succeeded', attempts: 3, retries: 2, fallbacks: 0 });
  });

  it('gives up after maxAttempts with the last error, mapped', async () => {
    const model = scripted('alpha:a1', [upstreamError(500), upstreamError(502), upstreamError(503)]);
    const { gateway, calls } = gatewayOver({ 'alpha:a1': model });
    const error = await failureOf(ask(gateway.languageModel('default', scope)));
    expect(error.code).toBe('GATEWAY_UPSTREAM_ERROR');
    expect(error.details).toEqual({ upstream_status: 503 });
    expect(calls[0]).toMatchObject({
      outcome: 'failed',
      errorCode: 'GATEWAY_UPSTREAM_ERROR',
      attempts: 3,
      retries: 2,
    });
  });

  it('falls back to the next group once the first is exhausted', async () => {
    const primary = scripted('alpha:a1', [upstreamError(500), upstreamError(500), upstreamError(500)]);
    const fallback = scripted('beta:b1', [answer('from the fallback')]);
    const { gateway, calls } = gatewayOver(
      { 'alpha:a1': primary, 'beta:b1': fallback },
      {
        aliases: [{ name: 'default', deployments: [{ ref: 'alpha:a1', weight: 1 }], fallbacks: ['beta:b1'] }],
      },
    );
    const result = await ask(gateway.languageModel('default', scope));
    expect(result.content).toEqual([{ type: 'text', text: 'from the fallback' }]);
    expect(calls[0]).toMatchObject({ deployment: 'beta:b1', attempts: 4, retries: 2, fallbacks: 1 });
  });

  it('falls back at once, without retrying, when a deployment cannot serve (401)', async () => {
    const primary = scripted('alpha:a1', [upstreamError(401)]);
    const fallback = scripted('beta:b1', [answer('ok')]);
    const { gateway, calls } = gatewayOver(
      { 'alpha:a1': primary, 'beta:b1': fallback },
      {
        aliases: [{ name: 'default', deployments: [{ ref: 'alpha:a1', weight: 1 }], fallbacks: ['beta:b1'] }],
      },
    );
    await ask(gateway.languageModel('default', scope));
    expect(primary.doGenerateCalls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ attempts: 2, retries: 0, fallbacks: 1 });
  });

  it('neither retries nor falls back on a refused request (400)', async () => {
    const primary = scripted('alpha:a1', [upstreamError(400)]);
    const fallback = scripted('beta:b1', []);
    const { gateway } = gatewayOver(
      { 'alpha:a1': primary, 'beta:b1': fallback },
      {
        aliases: [{ name: 'default', deployments: [{ ref: 'alpha:a1', weight: 1 }], fallbacks: ['beta:b1'] }],
      },
    );
    const error = await failureOf(ask(gateway.languageModel('default', scope)));
    expect(error.code).toBe('GATEWAY_REQUEST_REJECTED');
    expect(fallback.doGenerateCalls).toHaveLength(0);
  });

  it('honours Retry-After, and passes it on when it is longer than Keel may wait', async () => {
    const quick = scripted('alpha:a1', [upstreamError(429, { 'retry-after': '0' }), answer('ok')]);
    const { gateway } = gatewayOver({ 'alpha:a1': quick });
    await ask(gateway.languageModel('default', scope));
    expect(quick.doGenerateCalls).toHaveLength(2);

    const slow = scripted('alpha:a1', [upstreamError(429, { 'retry-after': '30' })]);
    const second = gatewayOver({ 'alpha:a1': slow });
    const error = await failureOf(ask(second.gateway.languageModel('default', scope)));
    expect(error.code).toBe('GATEWAY_RATE_LIMITED');
    expect(error.headers).toEqual({ 'retry-after': '30' });
    expect(slow.doGenerateCalls).toHaveLength(1);
  });

  it('times an attempt out, retries, and reports GATEWAY_PROVIDER_TIMEOUT when every attempt hangs', async () => {
    const hang = (options: { abortSignal?: AbortSignal }) =>
      new Promise<never>((_, reject) => {
        options.abortSignal?.addEventListener('abort', () => reject(options.abortSignal?.reason));
      });
    const model = scripted('alpha:a1', [hang, hang]);
    const { gateway, calls } = gatewayOver(
      { 'alpha:a1': model },
      { resilience: { maxAttempts: 2, requestTimeoutMs: 30 } },
    );
    const error = await failureOf(ask(gateway.languageModel('default', scope)));
    expect(error.code).toBe('GATEWAY_PROVIDER_TIMEOUT');
    expect(model.doGenerateCalls).toHaveLength(2);
    expect(model.doGenerateCalls.every((call) => call.abortSignal?.aborted)).toBe(true);
    expect(calls[0]).toMatchObject({ outcome: 'failed', errorCode: 'GATEWAY_PROVIDER_TIMEOUT', attempts: 2 });
  });

  it("stops at once on the caller's abort and rethrows the caller's own error", async () => {
    const controller = new AbortController();
    const model = scripted('alpha:a1', [
      (options) =>
        new Promise((_, reject) => {
          options.abortSignal?.addEventListener('abort', () =>
            reject(new DOMException('gone', 'AbortError')),
          );
          controller.abort();
        }),
    ]);
    const { gateway, calls } = gatewayOver({ 'alpha:a1': model });
    const failure = await Promise.resolve(
      gateway.languageModel('default', scope)?.doGenerate({
        prompt: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
        abortSignal: controller.signal,
      }),
    ).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DOMException);
    expect(model.doGenerateCalls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ outcome: 'aborted', errorCode: null });
  });

  it('opens the circuit after repeated failures and then answers GATEWAY_CIRCUIT_OPEN without calling', async () => {
    const model = scripted('alpha:a1', [upstreamError(500), upstreamError(500)]);
    const { gateway } = gatewayOver(
      { 'alpha:a1': model },
      { resilience: { maxAttempts: 1, breaker: { failureThreshold: 2, halfOpenAfterMs: 60_000 } } },
    );
    await failureOf(ask(gateway.languageModel('default', scope)));
    await failureOf(ask(gateway.languageModel('default', scope)));
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(gateway.circuit('alpha:a1')).toBe('open');
    // /readyz: informational, failing while every deployment of `default` is open.
    await expect(gateway.readinessCheck().check()).rejects.toThrow('alpha:a1');
    expect(gateway.readinessCheck().critical).toBe(false);
    const error = await failureOf(ask(gateway.languageModel('default', scope)));
    expect(error.code).toBe('GATEWAY_CIRCUIT_OPEN');
    expect(Number(error.headers?.['retry-after'])).toBeGreaterThan(0);
    expect(model.doGenerateCalls).toHaveLength(2);
  });

  it('skips an open deployment straight to the fallback', async () => {
    const primary = scripted('alpha:a1', [upstreamError(500)]);
    const fallback = scripted('beta:b1', [answer('one'), answer('two')]);
    const { gateway, calls } = gatewayOver(
      { 'alpha:a1': primary, 'beta:b1': fallback },
      {
        aliases: [{ name: 'default', deployments: [{ ref: 'alpha:a1', weight: 1 }], fallbacks: ['beta:b1'] }],
        resilience: { maxAttempts: 1, breaker: { failureThreshold: 1, halfOpenAfterMs: 60_000 } },
      },
    );
    await ask(gateway.languageModel('default', scope));
    await new Promise((resolve) => setTimeout(resolve, 0));
    await ask(gateway.languageModel('default', scope));
    expect(primary.doGenerateCalls).toHaveLength(1);
    expect(calls[1]).toMatchObject({ deployment: 'beta:b1', attempts: 1, fallbacks: 0 });
  });

  it('load-balances by weight across deployments of one model, and retries on another one', async () => {
    const heavy = scripted(
      'alpha:a1',
      Array.from({ length: 400 }, () => answer('heavy')),
    );
    const light = scripted(
      'beta:b1',
      Array.from({ length: 400 }, () => answer('light')),
    );
    const { gateway, calls } = gatewayOver(
      { 'alpha:a1': heavy, 'beta:b1': light },
      {
        aliases: [
          {
            name: 'default',
            deployments: [
              { ref: 'alpha:a1', weight: 3 },
              { ref: 'beta:b1', weight: 1 },
            ],
            fallbacks: [],
          },
        ],
      },
    );
    for (let i = 0; i < 400; i++) await ask(gateway.languageModel('default', scope));
    const share = heavy.doGenerateCalls.length / 400;
    expect(share).toBeGreaterThan(0.6);
    expect(share).toBeLessThan(0.9);
    expect(calls.every((call) => call.attempts === 1)).toBe(true);

    const failing = scripted('alpha:a1', [upstreamError(500), upstreamError(500)]);
    const healthy = scripted('beta:b1', [answer('ok'), answer('ok')]);
    const pair = gatewayOver(
      { 'alpha:a1': failing, 'beta:b1': healthy },
      {
        aliases: [
          {
            name: 'default',
            deployments: [
              { ref: 'alpha:a1', weight: 1_000 },
              { ref: 'beta:b1', weight: 1 },
            ],
            fallbacks: [],
          },
        ],
      },
    );
    await ask(pair.gateway.languageModel('default', scope));
    expect(pair.calls[0]).toMatchObject({ deployment: 'beta:b1', attempts: 2, retries: 1 });
  });
});
