import {
  type Attributes,
  context,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { AppError } from '../errors/index.ts';
import { formatTraceparent, parseTraceparent } from './traceparent.ts';

/** The W3C `traceparent` of the span active now: store it with a job when it is enqueued. */
export function currentTraceparent(): string | undefined {
  const span = trace.getActiveSpan();
  return span ? formatTraceparent(span.spanContext()) : undefined;
}

export interface LinkedSpanOptions {
  readonly name: string;
  /** The enqueuing request's `traceparent`; the job span links to it (a job is not part of the request's latency). */
  readonly traceparent?: string | undefined;
  readonly attributes?: Attributes;
}

/**
 * Runs a job (or any deferred work) in its own CONSUMER span, in a new trace linked to the request that
 * enqueued it, and active for everything the work does (its model calls become its children).
 */
export async function runLinkedSpan<T>(
  tracer: Tracer,
  options: LinkedSpanOptions,
  work: () => Promise<T>,
): Promise<T> {
  const origin = parseTraceparent(options.traceparent);
  const span = tracer.startSpan(
    options.name,
    {
      kind: SpanKind.CONSUMER,
      ...(options.attributes ? { attributes: options.attributes } : {}),
      ...(origin ? { links: [{ context: origin }] } : {}),
    },
    ROOT_CONTEXT,
  );
  try {
    return await context.with(trace.setSpan(ROOT_CONTEXT, span), work);
  } catch (error) {
    span.setAttribute(
      'error.type',
      error instanceof AppError ? error.code : error instanceof Error ? error.name : 'unknown',
    );
    span.setStatus({ code: SpanStatusCode.ERROR });
    throw error;
  } finally {
    span.end();
  }
}
