import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../platform/errors/index.ts';
import { type HttpServer, problemResponses } from '../../platform/http/index.ts';
import { authErrors, grants } from '../auth/index.ts';
import type { AnyCapability } from '../capabilities/index.ts';
import { presentJob, presentWebhookAttempt } from './job.presenter.ts';
import type { JobRecord } from './job.types.ts';
import {
  createJobSchema,
  idempotencyHeadersSchema,
  jobPageSchema,
  jobSchema,
  jobStatusSchema,
  webhookAttemptSchema,
} from './jobs.schemas.ts';
import type { JobService } from './jobs.service.ts';

export interface JobRoutesOptions {
  readonly service: JobService;
  readonly capabilities: readonly AnyCapability[];
}

const idParams = z.object({ id: z.uuid() });

const createdProblems = problemResponses({
  400: 'The body or the capability input breaks its schema (`REQUEST_VALIDATION_FAILED`, with field errors), or names no capability (`JOB_CAPABILITY_UNKNOWN`).',
  403: 'The key lacks the scope (`AUTH_SCOPE_MISSING`).',
  409: 'The `Idempotency-Key` was already used with a different body (`JOB_IDEMPOTENCY_KEY_REUSED`).',
  413: 'The body is larger than the configured limit.',
  415: 'The body is not `application/json`.',
});

/** The jobs REST API: create (per capability, or generic), list, read, cancel, retry, webhook log. */
export function registerJobRoutes(app: HttpServer, { service, capabilities }: JobRoutesOptions): void {
  app.post(
    '/v1/jobs',
    {
      config: { scope: 'jobs:write' },
      schema: {
        operationId: 'createJob',
        summary: 'Run a capability as a background job',
        description:
          "Validates the input now and answers 202 with the job; follow it at `links.events` (SSE) or `links.websocket`, or give a `webhook`. Needs `jobs:write` and the capability's own scope.",
        tags: ['Jobs'],
        headers: idempotencyHeadersSchema,
        body: createJobSchema,
        response: { 202: jobSchema, ...createdProblems },
      },
    },
    async (request, reply) => {
      const { capability, input, webhook } = request.body;
      requireScope(request, `capability:${capability}`);
      const created = await service.create({
        ...origin(request),
        capability,
        input,
        inputPointer: '/body/input',
        idempotencyKey: request.headers['idempotency-key'],
        webhook,
      });
      return accepted(reply, created.job, created.replayed);
    },
  );

  for (const capability of capabilities) {
    app.post(
      `/v1/${capability.name}/jobs`,
      {
        config: { scope: `capability:${capability.name}` },
        schema: {
          operationId: `${camelCase(capability.name)}Job`,
          summary: `${capability.summary} (as a background job)`,
          description: `Takes the same body as \`POST /v1/${capability.name}\` and answers 202 with a job instead of waiting. The API key’s default webhook, if it has one, is called when the job ends; for another webhook, use \`POST /v1/jobs\`.`,
          tags: ['Jobs'],
          headers: idempotencyHeadersSchema,
          body: capability.input,
          response: { 202: jobSchema, ...createdProblems },
        },
      },
      async (request, reply) => {
        const created = await service.create({
          ...origin(request),
          capability: capability.name,
          input: request.body,
          inputPointer: '/body',
          inputValidated: true,
          idempotencyKey: (request.headers as { 'idempotency-key'?: string })['idempotency-key'],
        });
        return accepted(reply, created.job, created.replayed);
      },
    );
  }

  app.get(
    '/v1/jobs',
    {
      config: { scope: 'jobs:read' },
      schema: {
        operationId: 'listJobs',
        summary: 'List jobs',
        description:
          'Newest first, scoped to your tenant. `status=failed` is the dead-letter list: jobs out of attempts or failed for good, each retryable with `POST /v1/jobs/{id}/retry`.',
        tags: ['Jobs'],
        querystring: z
          .object({
            status: jobStatusSchema.optional(),
            capability: z.string().min(1).max(64).optional(),
            limit: z.coerce.number().int().min(1).max(200).default(50),
            cursor: z.string().min(1).max(200).optional(),
          })
          .strict(),
        response: { 200: jobPageSchema, ...problemResponses({ 400: 'A query parameter is not valid.' }) },
      },
    },
    async (request) => {
      const { status, capability, limit, cursor } = request.query;
      const page = await service.list(request.tenantId, {
        limit,
        ...(status === undefined ? {} : { status }),
        ...(capability === undefined ? {} : { capability }),
        ...(cursor === undefined ? {} : { cursor }),
      });
      return { items: page.items.map(presentJob), next_cursor: page.nextCursor };
    },
  );

  app.get(
    '/v1/jobs/:id',
    {
      config: { scope: 'jobs:read' },
      schema: {
        operationId: 'getJob',
        summary: 'Get a job: status, attempts, timings, result or problem',
        tags: ['Jobs'],
        params: idParams,
        response: { 200: jobSchema, ...problemResponses({ 404: 'No such job for your tenant.' }) },
      },
    },
    async (request) => presentJob(await service.get(request.tenantId, request.params.id)),
  );

  app.post(
    '/v1/jobs/:id/cancel',
    {
      config: { scope: 'jobs:write', shed: false },
      schema: {
        operationId: 'cancelJob',
        summary: 'Cancel a job',
        description:
          'A queued job is cancelled at once (200). A running one is stopped by its worker, which aborts the model call in flight (202, `cancel_requested: true`; `job-cancelled` follows). Cancelling a cancelled job is a no-op.',
        tags: ['Jobs'],
        params: idParams,
        response: {
          200: jobSchema,
          202: jobSchema,
          ...problemResponses({
            404: 'No such job for your tenant.',
            409: 'The job has already succeeded or failed (`JOB_ALREADY_FINISHED`).',
          }),
        },
      },
    },
    async (request, reply) => {
      const result = await service.cancel(request.tenantId, request.params.id);
      return reply.code(result.outcome === 'requested' ? 202 : 200).send(presentJob(result.job));
    },
  );

  app.post(
    '/v1/jobs/:id/retry',
    {
      config: { scope: 'jobs:write' },
      schema: {
        operationId: 'retryJob',
        summary: 'Retry a failed job (from the dead-letter state)',
        description: 'Queues it again with a fresh attempt budget; its event history continues.',
        tags: ['Jobs'],
        params: idParams,
        response: {
          202: jobSchema,
          ...problemResponses({
            404: 'No such job for your tenant.',
            409: 'The job is not `failed` (`JOB_NOT_RETRYABLE`).',
          }),
        },
      },
    },
    async (request, reply) =>
      reply.code(202).send(presentJob(await service.retry(request.tenantId, request.params.id))),
  );

  app.get(
    '/v1/jobs/:id/webhook-deliveries',
    {
      config: { scope: 'jobs:read' },
      schema: {
        operationId: 'listJobWebhookDeliveries',
        summary: "The job's webhook delivery log",
        description:
          'Every attempt, oldest first: status code or error, duration, and when the next one is due.',
        tags: ['Jobs'],
        params: idParams,
        response: {
          200: z.object({ items: z.array(webhookAttemptSchema) }).meta({ id: 'WebhookAttemptList' }),
          ...problemResponses({ 404: 'No such job for your tenant.' }),
        },
      },
    },
    async (request) => ({
      items: (await service.webhookAttempts(request.tenantId, request.params.id)).map(presentWebhookAttempt),
    }),
  );
}

function origin(request: FastifyRequest) {
  return {
    tenantId: request.tenantId,
    apiKeyId: request.context?.keyId ?? null,
    requestId: request.id,
  };
}

/** The generic route needs the capability's scope too, as its own route would. */
function requireScope(request: FastifyRequest, scope: string): void {
  const principal = request.principal;
  if (principal && !grants(principal.scopes, scope)) {
    throw new AppError(authErrors.AUTH_SCOPE_MISSING, {
      detail: `Running this capability needs the \`${scope}\` scope.`,
      details: { required_scope: scope },
    });
  }
}

function accepted(reply: FastifyReply, job: JobRecord, replayed: boolean) {
  reply.code(202).header('location', `/v1/jobs/${job.id}`);
  if (replayed) reply.header('idempotent-replayed', 'true');
  return presentJob(job);
}

function camelCase(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_match, letter: string) => letter.toUpperCase());
}
