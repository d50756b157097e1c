import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { currentTraceparent, runLinkedSpan } from './job-spans.ts';
import { createTracing } from './tracing.ts';

describe('job spans', () => {
  it('run in a new trace linked to the enqueuing request, active for the work', async () => {
    const exporter = new InMemorySpanExporter();
    const { tracer } = createTracing({ serviceName: 'test', version: '0', exporter });
    let enqueuedWith: string | undefined;
    await tracer.startActiveSpan('POST /v1/jobs', async (request) => {
      enqueuedWith = currentTraceparent();
      request.end();
    });
    expect(enqueuedWith).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    let activeInside: string | undefined;
    await runLinkedSpan(
      tracer,
      { name: 'job capability.generate', traceparent: enqueuedWith, attributes: { 'keel.job_id': 'j1' } },
      async () => {
        activeInside = trace.getActiveSpan()?.spanContext().spanId;
      },
    );
    const job = exporter.getFinishedSpans().find((span) => span.name === 'job capability.generate');
    const request = exporter.getFinishedSpans().find((span) => span.name === 'POST /v1/jobs');
    expect(job?.kind).toBe(SpanKind.CONSUMER);
    expect(activeInside).toBe(job?.spanContext().spanId);
    expect(job?.spanContext().traceId).not.toBe(request?.spanContext().traceId);
    expect(job?.links[0]?.context.spanId).toBe(request?.spanContext().spanId);
    expect(job?.attributes['keel.job_id']).toBe('j1');
  });

  it('marks a failed job span with the error type', async () => {
    const exporter = new InMemorySpanExporter();
    const { tracer } = createTracing({ serviceName: 'test', version: '0', exporter });
    await expect(
      runLinkedSpan(tracer, { name: 'job x' }, async () => Promise.reject(new TypeError('boom'))),
    ).rejects.toThrow('boom');
    const [span] = exporter.getFinishedSpans();
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
    expect(span?.attributes['error.type']).toBe('TypeError');
    expect(span?.links).toEqual([]);
  });
});
