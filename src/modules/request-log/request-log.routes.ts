import { z } from 'zod';
import { AppError } from '../../platform/errors/index.ts';
import { type HttpServer, problemResponses } from '../../platform/http/index.ts';
import { requestLogErrors } from './request-log.errors.ts';

// The guardrails module's stages and actions, as literals here: request-log sits below guardrails.
const GUARDRAIL_STAGES = ['input', 'retrieved', 'output'] as const;
const GUARDRAIL_ACTIONS = ['block', 'redact', 'flag'] as const;

import type { RequestLogStore, RequestRecord } from './request-log.port.ts';
import type { RequestLogWriter } from './request-log-writer.ts';

export const requestRecordSchema = z
  .object({
    id: z.string().describe('The request id (`x-request-id`) of the call.'),
    api_key_id: z
      .string()
      .nullable()
      .describe('Public id of the key that called (`admin` for the bootstrap key); null when auth is open.'),
    method: z.string().nullable(),
    route: z.string().nullable().describe('The route pattern, e.g. `/v1/requests/:id`.'),
    capability: z.string().nullable().describe('The capability invoked; null for other routes.'),
    outcome: z.enum(['succeeded', 'failed', 'aborted']),
    http_status: z.number().int(),
    error_code: z.string().nullable(),
    models: z.array(z.string()).describe('`provider:model` of every model the call used.'),
    input_tokens: z.number().int(),
    output_tokens: z.number().int(),
    latency_ms: z.number().int(),
    cost_usd: z.number().describe('Model cost in US dollars from the price table (0 when unpriced).'),
    input: z
      .unknown()
      .describe(
        'The request body, secrets redacted; null when bodies are not kept (`KEEL_REQUEST_LOG_BODIES`).',
      ),
    output: z.unknown(),
    trace_id: z.string().nullable().describe('The OpenTelemetry trace id (also sent as `x-trace-id`).'),
    variant: z
      .string()
      .nullable()
      .describe('The capability variant that served the call (`summarize@3`, also sent as `keel-variant`).'),
    guardrails: z
      .array(
        z.object({
          policy: z.string(),
          stage: z.enum(GUARDRAIL_STAGES),
          action: z.enum(GUARDRAIL_ACTIONS),
          kinds: z
            .array(z.string())
            .describe('What was found (`email`, `instruction_override`...), never the text.'),
          count: z.number().int().describe('How many spans.'),
        }),
      )
      .describe(
        'Guardrail decisions of the call, one per policy, stage and action; empty when none applied.',
      ),
    created_at: z.iso.datetime(),
  })
  .meta({ id: 'RequestRecord' });

const requestPageSchema = z
  .object({
    items: z.array(requestRecordSchema),
    next_cursor: z
      .string()
      .nullable()
      .describe('Pass as `cursor` to get the next page; null on the last page.'),
  })
  .meta({ id: 'RequestRecordPage' });

export interface RequestLogRoutesOptions {
  readonly store: RequestLogStore;
  readonly writer: RequestLogWriter;
}

export function registerRequestLogRoutes(app: HttpServer, { store, writer }: RequestLogRoutesOptions): void {
  app.get(
    '/v1/requests',
    {
      config: { scope: 'requests:read' },
      schema: {
        operationId: 'listRequests',
        summary: 'List logged requests',
        description:
          'Every authenticated request of your tenant (capability calls with their usage, and every other route), newest first. Entries appear a moment after their response is sent and are kept `KEEL_REQUEST_LOG_RETENTION_DAYS` days. `guarded=true` keeps the records with guardrail decisions; `guardrail_policy`, `guardrail_stage` and `guardrail_action` keep those with one decision matching all of them (and imply `guarded`).',
        tags: ['Requests'],
        querystring: z
          .object({
            capability: z.string().min(1).max(64).optional(),
            guarded: z
              .enum(['true', 'false'])
              .optional()
              .describe('`true`: only records with at least one guardrail decision.'),
            guardrail_policy: z.string().min(1).max(64).optional().describe('A decision of this policy.'),
            guardrail_stage: z.enum(GUARDRAIL_STAGES).optional().describe('A decision at this stage.'),
            guardrail_action: z.enum(GUARDRAIL_ACTIONS).optional().describe('A decision with this action.'),
            limit: z.coerce.number().int().min(1).max(200).default(50),
            cursor: z.string().min(1).max(200).optional(),
          })
          .strict(),
        response: { 200: requestPageSchema, ...problemResponses({ 400: 'A query parameter is not valid.' }) },
      },
    },
    async (request) => {
      const { capability, limit, cursor, guarded } = request.query;
      const decision = {
        ...(request.query.guardrail_policy === undefined ? {} : { policy: request.query.guardrail_policy }),
        ...(request.query.guardrail_stage === undefined ? {} : { stage: request.query.guardrail_stage }),
        ...(request.query.guardrail_action === undefined ? {} : { action: request.query.guardrail_action }),
      };
      const guardrail = guarded === 'true' || Object.keys(decision).length > 0 ? decision : undefined;
      const page = await store.list(request.tenantId, {
        limit,
        ...(capability === undefined ? {} : { capability }),
        ...(guardrail === undefined ? {} : { guardrail }),
        ...(cursor === undefined ? {} : { cursor }),
      });
      return { items: page.items.map(present), next_cursor: page.nextCursor };
    },
  );

  app.get(
    '/v1/requests/:id',
    {
      config: { scope: 'requests:read' },
      schema: {
        operationId: 'getRequest',
        summary: 'Get one logged request',
        tags: ['Requests'],
        params: z.object({ id: z.string().min(1).max(128) }),
        response: {
          200: requestRecordSchema,
          ...problemResponses({ 404: 'No such request for your tenant.' }),
        },
      },
    },
    async (request) => {
      let record = await store.get(request.tenantId, request.params.id);
      if (record === undefined) {
        // The entry may still be in the write-behind buffer.
        await writer.flush();
        record = await store.get(request.tenantId, request.params.id);
      }
      if (record === undefined) {
        throw new AppError(requestLogErrors.REQUEST_LOG_NOT_FOUND, {
          detail: `No request ${request.params.id}.`,
        });
      }
      return present(record);
    },
  );
}

function present(record: RequestRecord): z.output<typeof requestRecordSchema> {
  return {
    id: record.id,
    api_key_id: record.apiKeyId ?? null,
    method: record.method ?? null,
    route: record.route ?? null,
    capability: record.capability,
    outcome: record.outcome,
    http_status: record.httpStatus,
    error_code: record.errorCode,
    models: [...record.models],
    input_tokens: record.inputTokens,
    output_tokens: record.outputTokens,
    latency_ms: record.latencyMs,
    cost_usd: record.costUsd ?? 0,
    input: record.input,
    output: record.output,
    trace_id: record.traceId ?? null,
    variant: record.variant ?? null,
    guardrails: (record.guardrails ?? []).map((decision) => ({
      policy: decision.policy,
      stage: decision.stage as 'input' | 'retrieved' | 'output',
      action: decision.action as 'block' | 'redact' | 'flag',
      kinds: [...decision.kinds],
      count: decision.count,
    })),
    created_at: record.createdAt.toISOString(),
  };
}
