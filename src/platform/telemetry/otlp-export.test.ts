import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createTelemetry } from './telemetry.ts';
import { otlpExporter } from './tracing.ts';

interface Received {
  readonly path: string | undefined;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
}

async function collector(): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ path: request.url, headers: request.headers, body: Buffer.concat(chunks) });
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/traces`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('OTLP/HTTP trace export (loaded on first use)', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  it('sends ended spans to the collector with the configured headers, on flush', async () => {
    const sink = await collector();
    cleanups.push(sink.close);
    const telemetry = createTelemetry({
      serviceName: 'keel-otlp-test',
      version: 'test',
      defaultMetrics: false,
      batchExporter: await otlpExporter({ url: sink.url, headers: { 'x-collector-token': 'secret-1' } }),
    });
    cleanups.push(() => telemetry.shutdown());
    expect(telemetry.tracing.exporting).toBe(true);

    telemetry.tracing.tracer.startSpan('chat default').end();
    await telemetry.tracing.forceFlush();

    expect(sink.received).toHaveLength(1);
    const [request] = sink.received;
    expect(request?.path).toBe('/v1/traces');
    expect(request?.headers['x-collector-token']).toBe('secret-1');
    // The payload names the service and the span, whichever OTLP encoding the exporter chose.
    const body = request?.body.toString('latin1') ?? '';
    expect(body).toContain('keel-otlp-test');
    expect(body).toContain('chat default');
  });

  it('exports nothing and reports no exporting without one', async () => {
    const telemetry = createTelemetry({ serviceName: 'keel', version: 'test', defaultMetrics: false });
    cleanups.push(() => telemetry.shutdown());
    expect(telemetry.tracing.exporting).toBe(false);
    telemetry.tracing.tracer.startSpan('unexported').end();
    await telemetry.tracing.forceFlush();
  });
});
