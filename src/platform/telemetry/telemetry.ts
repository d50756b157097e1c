import type { SpanExporter } from '@opentelemetry/sdk-trace';
import { KeelMetrics } from './metrics.ts';
import { createTracing, type Tracing } from './tracing.ts';

export interface TelemetryOptions {
  readonly serviceName: string;
  readonly version: string;
  /** Spans exported in batches (`otlpExporter(settings)` for OTLP/HTTP). */
  readonly batchExporter?: SpanExporter | undefined;
  /** Tests pass an InMemorySpanExporter. */
  readonly exporter?: SpanExporter | undefined;
  /** Process metrics (CPU, memory, event loop); on by default. */
  readonly defaultMetrics?: boolean;
}

/** Traces and metrics for one app: what the HTTP hooks, model middleware and `/metrics` share. */
export interface Telemetry {
  readonly tracing: Tracing;
  readonly metrics: KeelMetrics;
  shutdown(): Promise<void>;
}

export function createTelemetry(options: TelemetryOptions): Telemetry {
  const tracing = createTracing(options);
  const metrics = new KeelMetrics({ defaultMetrics: options.defaultMetrics ?? true });
  return {
    tracing,
    metrics,
    async shutdown() {
      await tracing.shutdown();
    },
  };
}
