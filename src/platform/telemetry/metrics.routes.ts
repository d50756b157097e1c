import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { KeelMetrics } from './metrics.ts';

/** Prometheus text exposition at `GET /metrics` (scope `metrics:read`, so scrapers need a key when auth is on). */
export function registerMetricsRoute(app: FastifyInstance, metrics: KeelMetrics): void {
  app.get(
    '/metrics',
    {
      config: { scope: 'metrics:read', requestLog: false },
      schema: {
        operationId: 'metrics',
        summary: 'Prometheus metrics',
        description:
          'HTTP latency by route and status, model latency, time to first token, tokens and cost by provider and model, retries, fallbacks, circuit states, limit rejections, open streams, job queue depth and durations, and process metrics.',
        tags: ['Service'],
        response: {
          200: {
            description: 'Prometheus text exposition format 0.0.4.',
            content: { 'text/plain': { schema: z.string() } },
          },
        },
      },
    },
    async (_request, reply) => {
      reply.type(metrics.registry.contentType);
      return metrics.registry.metrics();
    },
  );
}
