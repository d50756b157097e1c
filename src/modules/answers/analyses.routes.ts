import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../platform/errors/index.ts';
import { type HttpServer, problemResponses } from '../../platform/http/index.ts';
import {
  idempotencyHeadersSchema,
  type JobEventFeed,
  type JobService,
  jobErrors,
  jobSchema,
  jobWebhookSchema,
  presentJob,
  registerJobFollowRoutes,
} from '../jobs/index.ts';
import { analysisInputSchema } from './analysis.workflow.ts';

export interface AnalysisRoutesOptions {
  readonly service: JobService;
  readonly feed: JobEventFeed;
}

const SCOPE = 'capability:analysis';
const jobIdParams = z.object({ job_id: z.uuid() });

/**
 * The `analysis` workflow's product routes: `POST /v1/analyses` starts one (a job), `GET
 * /v1/analyses/{job_id}` reads it, `/events` (SSE, resumable) and `/ws` follow its steps. Only analysis
 * jobs are found here; the generic `/v1/jobs` routes see them too.
 */
export function registerAnalysisRoutes(app: HttpServer, options: AnalysisRoutesOptions): void {
  const { service } = options;
  app.post(
    '/v1/analyses',
    {
      config: { scope: SCOPE },
      schema: {
        operationId: 'createAnalysis',
        summary: 'Start an analysis of a company',
        description:
          "Starts the `analysis` workflow as a job and answers 202 with it. Follow its steps (`gather`, `read`, `summarise`, `assess`) at `GET /v1/analyses/{job_id}/events` (SSE) or `/ws`; the result (`summary`, `sources[]`, `confidence`) is the job's `result` once `succeeded`. Honours `Idempotency-Key`; an optional `webhook` is called when it ends.",
        tags: ['Analyses'],
        headers: idempotencyHeadersSchema,
        body: analysisInputSchema.extend({
          webhook: jobWebhookSchema
            .nullable()
            .optional()
            .describe("Omitted: the API key's default webhook, if any. `null`: none."),
        }),
        response: {
          202: jobSchema,
          ...problemResponses({
            400: 'The body breaks the schema (`REQUEST_VALIDATION_FAILED`, with field errors).',
            409: 'The `Idempotency-Key` was already used with a different body (`JOB_IDEMPOTENCY_KEY_REUSED`).',
            413: 'The body is larger than the configured limit.',
            415: 'The body is not `application/json`.',
          }),
        },
      },
    },
    async (request, reply) => {
      const { webhook, ...input } = request.body;
      const created = await service.create({
        tenantId: request.tenantId,
        apiKeyId: request.context?.keyId ?? null,
        requestId: request.id,
        capability: 'analysis',
        input,
        inputPointer: '/body',
        inputValidated: true,
        idempotencyKey: (request.headers as { 'idempotency-key'?: string })['idempotency-key'],
        webhook,
      });
      reply.code(202).header('location', `/v1/analyses/${created.job.id}`);
      if (created.replayed) reply.header('idempotent-replayed', 'true');
      return presentJob(created.job);
    },
  );

  app.get(
    '/v1/analyses/:job_id',
    {
      config: { scope: SCOPE },
      schema: {
        operationId: 'getAnalysis',
        summary: 'Read an analysis',
        description: 'The analysis job: its status, and once `succeeded` its `result` (an `AnalysisOutput`).',
        tags: ['Analyses'],
        params: jobIdParams,
        response: { 200: jobSchema, ...problemResponses({ 404: 'No such analysis for your tenant.' }) },
      },
    },
    async (request) => presentJob(await findAnalysis(service, request)),
  );

  registerJobFollowRoutes(app, {
    service,
    feed: options.feed,
    base: '/v1/analyses/:job_id',
    param: 'job_id',
    capability: 'analysis',
    scope: SCOPE,
    tag: 'Analyses',
    operationIds: { events: 'streamAnalysisEvents', websocket: 'followAnalysisEvents' },
  });
}

async function findAnalysis(service: JobService, request: FastifyRequest) {
  const id = (request.params as { job_id: string }).job_id;
  const job = await service.get(request.tenantId, id);
  if (job.capability !== 'analysis') {
    throw new AppError(jobErrors.JOB_NOT_FOUND, { detail: `No analysis ${id}.` });
  }
  return job;
}
