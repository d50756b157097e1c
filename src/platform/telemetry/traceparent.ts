import type { SpanContext } from '@opentelemetry/api';
import { TraceFlags } from '@opentelemetry/api';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const INVALID_TRACE = '0'.repeat(32);
const INVALID_SPAN = '0'.repeat(16);

/** Reads a W3C `traceparent` header (version 00); undefined when absent or malformed. */
export function parseTraceparent(header: string | string[] | undefined): SpanContext | undefined {
  if (typeof header !== 'string') return undefined;
  const match = TRACEPARENT.exec(header.trim().toLowerCase());
  if (!match?.[1] || !match[2] || !match[3]) return undefined;
  if (match[1] === INVALID_TRACE || match[2] === INVALID_SPAN) return undefined;
  return {
    traceId: match[1],
    spanId: match[2],
    traceFlags: Number.parseInt(match[3], 16) & 1,
    isRemote: true,
  };
}

/** The `traceparent` value for a span, to hand on to jobs and outgoing calls. */
export function formatTraceparent(context: SpanContext): string {
  const flags = context.traceFlags & TraceFlags.SAMPLED ? '01' : '00';
  return `00-${context.traceId}-${context.spanId}-${flags}`;
}
