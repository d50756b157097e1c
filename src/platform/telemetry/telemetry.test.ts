import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { MockLanguageModelV4 } from 'ai/test';
import { afterEach, describe, expect, it } from 'vitest';
import { answer, textParts, upstreamError, usage } from '../../../test/support/gateway-fixtures.ts';
import { parsePrometheusText } from '../../../test/support/prometheus-text.ts';
import { buildTestApp, type TestApp } from '../../../test/support/test-app.ts';
import { costFromPriceTable } from './model-cost.ts';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const costOf = costFromPriceTable({ 'mock:m1': { input: 1_000, output: 2_000 } });

function mockModel(): MockLanguageModelV4 {
  return new MockLanguageModelV4({
    provider: 'mock',
    modelId: 'm1',
    doGenerate: answer('Three uses.', usage(7, 3)),
    doStream: async () => ({
      stream: new ReadableStream({
        start(controller) {
          for (const part of textParts('streamed answer here', usage(5, 4))) controller.enqueue(part);
          controller.close();
        },
      }),
    }),
  });
}

describe('traces', () => {
  it('makes a server span per request, returns its trace id, and continues a caller trace', async () => {
    app = await buildTestApp();
    const response = await app.app.inject({ method: 'GET', url: '/v1/requests/some-id?x=1' });
    const traceId = response.headers['x-trace-id'];
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    const span = app.spans
      .getFinishedSpans()
      .find((candidate) => candidate.spanContext().traceId === traceId);
    expect(span?.name).toBe('GET /v1/requests/:id');
    expect(span?.kind).toBe(SpanKind.SERVER);
    expect(span?.attributes).toMatchObject({
      'http.request.method': 'GET',
      'http.route': '/v1/requests/:id',
      'url.path': '/v1/requests/some-id',
      'http.response.status_code': 404,
      'keel.tenant_id': 'default',
      'error.type': 'REQUEST_LOG_NOT_FOUND',
    });

    const parent = '0af7651916cd43dd8448eb211c80319c';
    const continued = await app.app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { traceparent: `00-${parent}-b7ad6b7169203331-01` },
    });
    expect(continued.headers['x-trace-id']).toBe(parent);
    const child = app.spans
      .getFinishedSpans()
      .find((candidate) => candidate.spanContext().traceId === parent);
    expect(child?.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
  });

  it('ignores a malformed traceparent and starts a new trace', async () => {
    app = await buildTestApp();
    const response = await app.app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { traceparent: '00-zz-yy-01' },
    });
    expect(response.headers['x-trace-id']).toMatch(/^[0-9a-f]{32}$/);
  });

  it('makes a GenAI client span for each model call, a child of the request span', async () => {
    app = await buildTestApp({ model: mockModel(), costOf });
    const response = await app.app.inject({
      method: 'POST',
      url: '/v1/generate',
      payload: { user_input: 'hi', max_tokens: 50 },
    });
    expect(response.statusCode).toBe(200);
    const traceId = response.headers['x-trace-id'];
    const spans = app.spans.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);
    const server = spans.find((span) => span.kind === SpanKind.SERVER);
    const call = spans.find((span) => span.kind === SpanKind.CLIENT);
    expect(call?.parentSpanContext?.spanId).toBe(server?.spanContext().spanId);
    expect(call?.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.system': 'mock',
      'gen_ai.provider.name': 'mock',
      'gen_ai.request.max_tokens': 50,
      'gen_ai.usage.input_tokens': 7,
      'gen_ai.usage.output_tokens': 3,
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.request.stream': false,
      'keel.deployment': 'mock:m1',
    });
    expect(call?.attributes['keel.cost_usd']).toBeCloseTo((7 * 1_000 + 3 * 2_000) / 1e6, 9);
    expect(call?.status.code).not.toBe(SpanStatusCode.ERROR);
  });

  it('records time to first token on streamed calls', async () => {
    app = await buildTestApp({ model: mockModel(), costOf });
    const response = await app.app.inject({
      method: 'POST',
      url: '/openai/v1/chat/completions',
      payload: { model: 'default', messages: [{ role: 'user', content: 'hi' }], stream: true },
    });
    expect(response.statusCode).toBe(200);
    const call = app.spans
      .getFinishedSpans()
      .find(
        (span) =>
          span.kind === SpanKind.CLIENT && span.spanContext().traceId === response.headers['x-trace-id'],
      );
    expect(call?.attributes).toMatchObject({
      'gen_ai.request.stream': true,
      'gen_ai.usage.input_tokens': 5,
      'gen_ai.usage.output_tokens': 4,
      'gen_ai.response.id': 'resp-1',
    });
    expect(call?.attributes['gen_ai.response.time_to_first_chunk']).toBeGreaterThanOrEqual(0);
    const firstToken = await app.telemetry.metrics.modelFirstToken.get();
    expect(firstToken.values.find((value) => value.metricName?.endsWith('_count'))?.value).toBe(1);
  });

  it('marks a failed call as an error by type, never with the provider message', async () => {
    const failing = new MockLanguageModelV4({
      provider: 'mock',
      modelId: 'm1',
      doGenerate: async () => {
        throw upstreamError(500);
      },
    });
    app = await buildTestApp({ model: failing });
    const response = await app.app.inject({
      method: 'POST',
      url: '/v1/generate',
      payload: { user_input: 'hi' },
    });
    expect(response.statusCode).toBe(502);
    const spans = app.spans
      .getFinishedSpans()
      .filter((span) => span.spanContext().traceId === response.headers['x-trace-id']);
    const call = spans.find((span) => span.kind === SpanKind.CLIENT);
    expect(call?.status.code).toBe(SpanStatusCode.ERROR);
    expect(call?.attributes['error.type']).toBe('GATEWAY_UPSTREAM_ERROR');
    expect(JSON.stringify(spans.map((span) => [span.attributes, span.events, span.status]))).not.toContain(
      'sk-secret-value',
    );
    const server = spans.find((span) => span.kind === SpanKind.SERVER);
    expect(server?.status.code).toBe(SpanStatusCode.ERROR);
  });

  it('puts the trace id, the cost and the usage in the request log', async () => {
    app = await buildTestApp({ model: mockModel(), costOf });
    const response = await app.app.inject({
      method: 'POST',
      url: '/v1/generate',
      payload: { user_input: 'hi' },
      headers: { 'x-request-id': 'traced-1' },
    });
    await app.writer.flush();
    const record = await app.store.get('default', 'traced-1');
    expect(record).toMatchObject({
      trace_id: response.headers['x-trace-id'],
      capability: 'generate',
      route: '/v1/generate',
      method: 'POST',
      models: ['mock:m1'],
      input_tokens: 7,
      output_tokens: 3,
    });
    expect(record?.costUsd).toBeCloseTo(0.013, 9);
  });
});

describe('/metrics', () => {
  it('serves valid Prometheus text with HTTP, model, token, cost and limit metrics', async () => {
    app = await buildTestApp({ model: mockModel(), costOf });
    await app.app.inject({ method: 'POST', url: '/v1/generate', payload: { user_input: 'hi' } });
    await app.app.inject({ method: 'GET', url: '/v1/requests/missing' });
    const response = await app.app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const families = parsePrometheusText(response.body);
    const http = families.get('keel_http_request_duration_seconds');
    expect(http?.type).toBe('histogram');
    expect(
      http?.samples.find(
        (sample) =>
          sample.name.endsWith('_count') &&
          sample.labels.route === '/v1/requests/:id' &&
          sample.labels.status_code === '404' &&
          sample.labels.method === 'GET',
      )?.value,
    ).toBe(1);
    const tokens = families.get('keel_model_tokens_total')?.samples ?? [];
    expect(tokens).toContainEqual({
      name: 'keel_model_tokens_total',
      labels: { provider: 'mock', model: 'm1', direction: 'input' },
      value: 7,
    });
    expect(tokens).toContainEqual({
      name: 'keel_model_tokens_total',
      labels: { provider: 'mock', model: 'm1', direction: 'output' },
      value: 3,
    });
    expect(families.get('keel_model_cost_usd_total')?.samples[0]?.value).toBeCloseTo(0.013, 9);
    expect(
      families
        .get('keel_model_call_duration_seconds')
        ?.samples.find((sample) => sample.name.endsWith('_count')),
    ).toMatchObject({
      labels: { provider: 'mock', model: 'm1', operation: 'chat', outcome: 'ok' },
      value: 1,
    });
    for (const name of [
      'keel_model_time_to_first_token_seconds',
      'keel_rate_limit_rejections_total',
      'keel_open_streams',
      'keel_model_retries_total',
      'keel_model_fallbacks_total',
      'keel_circuit_state',
      'keel_job_queue_depth',
      'keel_job_duration_seconds',
      'keel_load_shed_total',
    ]) {
      expect(families.has(name), name).toBe(true);
    }
  });

  it('reads job queue depth from the jobs module on each scrape', async () => {
    app = await buildTestApp();
    let depth = 3;
    app.telemetry.metrics.observeQueueDepth(async () => ({ 'capability.generate': depth }));
    const first = parsePrometheusText((await app.app.inject({ method: 'GET', url: '/metrics' })).body);
    expect(first.get('keel_job_queue_depth')?.samples).toEqual([
      { name: 'keel_job_queue_depth', labels: { queue: 'capability.generate' }, value: 3 },
    ]);
    depth = 0;
    const second = parsePrometheusText((await app.app.inject({ method: 'GET', url: '/metrics' })).body);
    expect(second.get('keel_job_queue_depth')?.samples[0]?.value).toBe(0);
  });

  it('needs the metrics:read scope when auth is on', async () => {
    const adminKey = 'keel-admin-key-for-metrics-0123456789';
    app = await buildTestApp({ adminKey });
    expect((await app.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    const { token } = await app.keys.create({
      name: 'prometheus',
      tenantId: 'ops',
      scopes: ['metrics:read'],
    });
    expect(
      (
        await app.app.inject({
          method: 'GET',
          url: '/metrics',
          headers: { authorization: `Bearer ${token}` },
        })
      ).statusCode,
    ).toBe(200);
  });
});
