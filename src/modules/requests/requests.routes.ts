import { z } from 'zod';
import { AppError } from '../../platform/errors/index.ts';
import { type HttpServer, problemResponses } from '../../platform/http/index.ts';
import type { RequestLogStore, RequestRecord } from './request-log.port.ts';
import type { RequestLogWriter } from './request-log-writer.ts';
import { requestErrors } from './requests.errors.ts';

export const requestRecordSchema = z
  .object({
    id: z.string().describe('The request id (`x-request-id`) of the call.'),
    capability: z.string(),
    outcome: z.enum(['succeeded', 'failed', 'aborted']),
    httpStatus: z.number().int(),
    errorCode: z.string().nullable(),
    models: z.array(z.string()).describe('`provider:model` of every model the call used.'),
    inputTokens: z.number().int(),
    outputTokens: z.number().int(),
    latencyMs: z.number().int(),
    input: z.unknown(),
    output: z.unknown(),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'RequestRecord' });

const requestPageSchema = z
  .object({
    items: z.array(requestRecordSchema),
    nextCursor: z
      .string()
      .nullable()
      .describe('Pass as `cursor` to get the next page; null on the last page.'),
  })
  .meta({ id: 'RequestRecordPage' });

export interface RequestRoutesOptions {
  readonly store: RequestLogStore;
  readonly writer: RequestLogWriter;
}

export function registerRequestRoutes(app: HttpServer, { store, writer }: RequestRoutesOptions): void {
  app.get(
    '/v1/requests',
    {
      config: { scope: 'requests:read' },
      schema: {
        operationId: 'listRequests',
        summary: 'List logged capability calls',
        description:
          'Newest first, scoped to your tenant. Entries appear a moment after their response is sent.',
        tags: ['Requests'],
        querystring: z
          .object({
            capability: z.string().min(1).max(64).optional(),
            limit: z.coerce.number().int().min(1).max(200).default(50),
            cursor: z.string().min(1).max(200).optional(),
          })
          .strict(),
        response: { 200: requestPageSchema, ...problemResponses({ 400: 'A query parameter is not valid.' }) },
      },
    },
    async (request) => {
      const { capability, limit, cursor } = request.query;
      const page = await store.list(request.tenantId, {
        limit,
        ...(capability === undefined ? {} : { capability }),
        ...(cursor === undefined ? {} : { cursor }),
      });
      return { items: page.items.map(present), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/v1/requests/:id',
    {
      config: { scope: 'requests:read' },
      schema: {
        operationId: 'getRequest',
        summary: 'Get one logged capability call',
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
        throw new AppError(requestErrors.REQUEST_LOG_NOT_FOUND, {
          detail: `No request ${request.params.id}.`,
        });
      }
      return present(record);
    },
  );
}

function present(record: RequestRecord): z.output<typeof requestRecordSchema> {
  const { tenantId: _tenantId, createdAt, models, ...rest } = record;
  return { ...rest, models: [...models], createdAt: createdAt.toISOString() };
}
