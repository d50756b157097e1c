import {
  context,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../errors/index.ts';
import type { KeelMetrics } from './metrics.ts';
import { parseTraceparent } from './traceparent.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's server span; undefined for requests refused before telemetry's hook ran. */
    span: Span | undefined;
  }
}

export interface HttpTelemetryOptions {
  readonly tracer: Tracer;
  readonly metrics: KeelMetrics;
}

/** The route pattern (`/v1/requests/:id`), never the raw path: bounded label values, no ids or secrets. */
function routeOf(request: FastifyRequest): string {
  return request.routeOptions.url ?? 'unmatched';
}

/**
 * A server span per request (continuing the caller's W3C `traceparent`), made active for everything the
 * request runs; the trace id is returned in `x-trace-id`. The latency histogram is recorded for every
 * response, including those refused before this hook.
 */
export function installHttpTelemetry(app: FastifyInstance, { tracer, metrics }: HttpTelemetryOptions): void {
  app.decorateRequest('span', undefined);

  app.addHook('onRequest', (request, reply, done) => {
    const remote = parseTraceparent(request.headers.traceparent);
    const parent = remote ? trace.setSpanContext(ROOT_CONTEXT, remote) : ROOT_CONTEXT;
    const route = routeOf(request);
    const span = tracer.startSpan(
      `${request.method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': request.method,
          'http.route': route,
          'url.path': request.url.split('?')[0] ?? '',
          'keel.request_id': request.id,
        },
      },
      parent,
    );
    request.span = span;
    const traceId = span.spanContext().traceId;
    if (request.context) request.context.traceId = traceId;
    reply.header('x-trace-id', traceId);
    context.with(trace.setSpan(parent, span), done);
  });

  app.addHook('onError', async (request, _reply, error) => {
    request.span?.setAttribute('error.type', error instanceof AppError ? error.code : 'INTERNAL_ERROR');
  });

  app.addHook('onRequestAbort', async (request) => {
    const span = request.span;
    if (!span) return;
    span.setAttribute('keel.aborted', true);
    span.setStatus({ code: SpanStatusCode.ERROR, message: 'client aborted' });
  });

  app.addHook('onResponse', async (request, reply) => {
    metrics.httpDuration.observe(
      { method: request.method, route: routeOf(request), status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    const span = request.span;
    if (!span) return;
    span.setAttribute('http.response.status_code', reply.statusCode);
    const requestContext = request.context;
    if (requestContext) {
      span.setAttribute('keel.tenant_id', requestContext.tenantId);
      if (requestContext.keyId !== undefined) span.setAttribute('keel.api_key_id', requestContext.keyId);
    }
    if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
}
