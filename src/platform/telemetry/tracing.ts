import { context, type Tracer, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';

export interface OtlpSettings {
  /** Full traces URL (`.../v1/traces`). */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
}

export interface TracingOptions {
  readonly serviceName: string;
  readonly version: string;
  /** Export spans in batches (the OTLP/HTTP exporter of `otlpExporter`). */
  readonly batchExporter?: SpanExporter | undefined;
  /** Export spans to this exporter as each ends (tests pass an InMemorySpanExporter). */
  readonly exporter?: SpanExporter | undefined;
}

export interface Tracing {
  readonly tracer: Tracer;
  /** True when spans go somewhere; without an exporter spans still carry ids for headers and logs. */
  readonly exporting: boolean;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

let contextManagerInstalled = false;

/**
 * The global context manager makes `context.active()` follow async work (one per process; the API
 * ignores later registrations). Spans themselves come from a provider per app, never the global one, so
 * several apps in one test process keep separate exporters.
 */
function installContextManager(): void {
  if (contextManagerInstalled) return;
  contextManagerInstalled = context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
}

/**
 * The OTLP/HTTP span exporter, its package loaded only here: a process that exports no traces (the
 * default) never loads it (about 0.1 s of start-up and 20 MB of memory, decision 0205).
 */
export async function otlpExporter(settings: OtlpSettings): Promise<SpanExporter> {
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
  return new OTLPTraceExporter({
    url: settings.url,
    headers: { ...settings.headers },
  }) as unknown as SpanExporter;
}

export function createTracing(options: TracingOptions): Tracing {
  installContextManager();
  const processors: SpanProcessor[] = [];
  if (options.exporter) processors.push(new SimpleSpanProcessor({ exporter: options.exporter }));
  if (options.batchExporter) processors.push(new BatchSpanProcessor({ exporter: options.batchExporter }));
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      'service.name': options.serviceName,
      'service.version': options.version,
    }),
    sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }),
    spanProcessors: processors,
  });
  return {
    tracer: provider.getTracer('keel', options.version),
    exporting: processors.length > 0,
    forceFlush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

/** The trace id of the span active now, if any. */
export function activeTraceId(): string | undefined {
  return trace.getActiveSpan()?.spanContext().traceId;
}
