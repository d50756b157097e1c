import { z } from 'zod';
import { type HttpServer, problemResponses } from '../../platform/http/index.ts';
import type { Gateway } from './gateway.ts';
import type { ModelCallRecord } from './usage/model-call.ts';
import type { ModelCallStore } from './usage/model-call-store.port.ts';
import type { ModelCallWriter } from './usage/model-call-writer.ts';

const aliasSchema = z.object({
  name: z.string().describe('What callers pass: `default`, `fast`, `smart`, `embed`, or a declared alias.'),
  kind: z.enum(['language', 'embedding']),
  deployments: z.array(z.string()).describe('`provider:model` deployments load-balanced by weight.'),
  fallbacks: z.array(z.string()).describe('`provider:model` deployments tried, in order, when those fail.'),
  healthy: z.boolean().describe('At least one deployment admits calls (its circuit is not open).'),
});

const deploymentSchema = z.object({
  id: z.string().describe('`provider:model`.'),
  provider: z.string(),
  model: z.string(),
  kinds: z.array(z.enum(['language', 'embedding'])),
  circuit: z
    .enum(['closed', 'open', 'half-open'])
    .describe('`open`: failing, calls skip it until `retry_in_ms` passes and a probe succeeds.'),
  retry_in_ms: z.number().describe('Until an open circuit lets a probe through.'),
});

export const modelListingSchema = z
  .object({
    aliases: z.array(aliasSchema),
    deployments: z.array(deploymentSchema),
    routes: z.record(z.string(), z.string()).describe('Capability -> alias or `provider:model`.'),
  })
  .meta({ id: 'ModelListing' });

export const modelCallSchema = z
  .object({
    id: z.string(),
    request_id: z.string().describe('The `x-request-id` of the request that made the call.'),
    source: z.string().describe('`capability:<name>` or `openai:<endpoint>`.'),
    operation: z.enum(['generate', 'stream', 'embed']),
    route: z.string().describe('The alias or `provider:model` asked for.'),
    deployment: z.string().nullable().describe('`provider:model` that served (or last failed).'),
    provider: z.string().nullable(),
    model: z.string().nullable(),
    outcome: z.enum(['succeeded', 'failed', 'aborted']),
    error_code: z.string().nullable(),
    input_tokens: z.number().int(),
    output_tokens: z.number().int(),
    tokens_estimated: z.boolean().describe('Counted by Keel because the provider reported no usage.'),
    latency_ms: z.number(),
    time_to_first_token_ms: z.number().nullable(),
    attempts: z.number().int(),
    retries: z.number().int(),
    fallbacks: z.number().int(),
    cache_hit: z.boolean(),
    cost_usd: z.number().nullable().describe('From the configured price table; null without a price.'),
    repair: z.number().int().describe('0 for a first ask; n for the n-th structured-output repair.'),
    variant: z
      .string()
      .nullable()
      .describe('The capability variant whose invocation made the call (`summarize@3`); null without one.'),
    created_at: z.iso.datetime(),
  })
  .meta({ id: 'ModelCall' });

const modelCallPageSchema = z
  .object({
    items: z.array(modelCallSchema),
    next_cursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last.'),
  })
  .meta({ id: 'ModelCallPage' });

export interface GatewayRoutesOptions {
  readonly gateway: Gateway;
  readonly calls: { readonly store: ModelCallStore; readonly writer: ModelCallWriter };
}

/** `GET /v1/models` (what is configured and healthy) and `GET /v1/model-calls` (usage per request). */
export function registerGatewayRoutes(app: HttpServer, options: GatewayRoutesOptions): void {
  app.get(
    '/v1/models',
    {
      config: { scope: 'models:read' },
      schema: {
        operationId: 'listModels',
        summary: 'List configured models, aliases and their health',
        description:
          "Every alias a capability or an OpenAI-compatible client may name, the `provider:model` deployments behind it (with fallbacks), each deployment's circuit-breaker state, and the routing of capabilities to aliases.",
        tags: ['Models'],
        response: { 200: modelListingSchema, ...problemResponses({}) },
      },
    },
    async () => {
      const listing = options.gateway.list();
      return {
        aliases: listing.aliases.map((alias) => ({
          ...alias,
          deployments: [...alias.deployments],
          fallbacks: [...alias.fallbacks],
        })),
        deployments: listing.deployments.map((deployment) => ({
          id: deployment.id,
          provider: deployment.provider,
          model: deployment.model,
          kinds: [...deployment.kinds],
          circuit: deployment.circuit,
          retry_in_ms: deployment.retryInMs,
        })),
        routes: listing.routes,
      };
    },
  );

  app.get(
    '/v1/model-calls',
    {
      config: { scope: 'usage:read' },
      schema: {
        operationId: 'listModelCalls',
        summary: 'List model calls with their usage and cost',
        description:
          'Newest first, scoped to your tenant; filter by `request_id` to see every model call one request made (retries, fallbacks, cache hits, tokens, cost). Entries appear a moment after the call ends.',
        tags: ['Models'],
        querystring: z
          .object({
            request_id: z.string().min(1).max(128).optional(),
            limit: z.coerce.number().int().min(1).max(200).default(50),
            cursor: z.string().min(1).max(200).optional(),
          })
          .strict(),
        response: {
          200: modelCallPageSchema,
          ...problemResponses({ 400: 'A query parameter (or the cursor) is not valid.' }),
        },
      },
    },
    async (request) => {
      const { request_id: requestId, limit, cursor } = request.query;
      // A client reading the calls of the request it just made would otherwise race the batched writer.
      if (requestId !== undefined) await options.calls.writer.flush();
      const page = await options.calls.store.list(request.tenantId, {
        limit,
        ...(requestId === undefined ? {} : { requestId }),
        ...(cursor === undefined ? {} : { cursor }),
      });
      return { items: page.items.map(present), next_cursor: page.nextCursor };
    },
  );
}

/** A model call as clients see it: no tenant or subject, snake_case (ADR 0151). */
function present(call: ModelCallRecord): z.output<typeof modelCallSchema> {
  return {
    id: call.id,
    request_id: call.requestId,
    source: call.source,
    operation: call.operation,
    route: call.route,
    deployment: call.deployment,
    provider: call.provider,
    model: call.model,
    outcome: call.outcome,
    error_code: call.errorCode,
    input_tokens: call.inputTokens,
    output_tokens: call.outputTokens,
    tokens_estimated: call.tokensEstimated,
    latency_ms: call.latencyMs,
    time_to_first_token_ms: call.timeToFirstTokenMs,
    attempts: call.attempts,
    retries: call.retries,
    fallbacks: call.fallbacks,
    cache_hit: call.cacheHit,
    cost_usd: call.costUsd,
    repair: call.repair,
    variant: call.variant ?? null,
    created_at: call.createdAt.toISOString(),
  };
}
