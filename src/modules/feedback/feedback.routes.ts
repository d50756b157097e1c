import { z } from 'zod';
import { type HttpServer, problemResponses } from '../../platform/http/index.ts';
import type { Feedback } from './feedback.port.ts';
import type { FeedbackService } from './feedback.service.ts';

const ratingSchema = z
  .union([z.enum(['up', 'down']), z.number().int().min(1).max(5)])
  .describe('Thumbs (`up`/`down`) or a 1-5 scale.');

export const feedbackSchema = z
  .object({
    id: z.string(),
    request_id: z.string().describe('The logged call this feedback is about.'),
    capability: z.string(),
    rating: ratingSchema.nullable(),
    label: z.string().nullable(),
    comment: z.string().nullable(),
    correction: z
      .unknown()
      .describe(
        "The corrected output (the correction merged into the recorded output), valid for the capability's output schema; null if none.",
      ),
    api_key_id: z.string().nullable(),
    created_at: z.iso.datetime(),
  })
  .meta({ id: 'Feedback' });

const createFeedbackSchema = z
  .object({
    request_id: z
      .string()
      .min(1)
      .max(128)
      .describe(
        '`x-request-id` of a capability call, or `<job id>.<attempt>` for a job (see `GET /v1/requests`).',
      ),
    rating: ratingSchema.optional(),
    label: z.string().min(1).max(200).optional().describe('A label you assign (a category, a failure kind).'),
    comment: z.string().min(1).max(10_000).optional(),
    correction: z
      .unknown()
      .optional()
      .describe(
        "What the output should have been. It may be partial: it is merged into the recorded output (JSON Merge Patch, RFC 7396: objects merge, `null` removes a field, arrays and values replace) and the merged output, which is what is stored, must be valid for the capability's output schema.",
      ),
  })
  .strict()
  .meta({ id: 'CreateFeedback' });

export function presentFeedback(feedback: Feedback): z.output<typeof feedbackSchema> {
  return {
    id: feedback.id,
    request_id: feedback.requestId,
    capability: feedback.capability,
    rating: feedback.rating?.value ?? null,
    label: feedback.label,
    comment: feedback.comment,
    correction: feedback.correction ?? null,
    api_key_id: feedback.apiKeyId,
    created_at: feedback.createdAt.toISOString(),
  };
}

export function registerFeedbackRoutes(
  app: HttpServer,
  options: { readonly service: FeedbackService },
): void {
  const { service } = options;
  app.post(
    '/v1/feedback',
    {
      config: { scope: 'feedback:write' },
      schema: {
        operationId: 'createFeedback',
        summary: 'Give feedback on a capability call',
        description:
          "Attaches a rating (thumbs or 1-5), a label, a comment and/or a corrected output to a logged capability call of your tenant. The correction may name only the fields that were wrong: it is merged into the recorded output, and the merged output must be valid for that call's capability. Turn feedback into dataset items with `POST /v1/datasets/{id}/items:from-feedback`.",
        tags: ['Feedback'],
        body: createFeedbackSchema,
        response: {
          201: feedbackSchema,
          ...problemResponses({
            400: 'The body is not valid, says nothing, the call made no capability invocation, or the correction breaks the output schema.',
            404: 'No such request in your tenant’s request log.',
          }),
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const feedback = await service.create(request.tenantId, request.context?.keyId ?? null, {
        requestId: body.request_id,
        rating:
          body.rating === undefined
            ? undefined
            : typeof body.rating === 'number'
              ? { kind: 'scale', value: body.rating }
              : { kind: 'thumbs', value: body.rating },
        label: body.label,
        comment: body.comment,
        correction: body.correction,
      });
      reply.code(201).header('location', `/v1/feedback/${feedback.id}`);
      return presentFeedback(feedback);
    },
  );

  app.get(
    '/v1/feedback',
    {
      config: { scope: 'feedback:read' },
      schema: {
        operationId: 'listFeedback',
        summary: 'List feedback',
        description:
          'Your tenant’s feedback, newest first, filtered by capability, request, label, rating or whether it carries a correction.',
        tags: ['Feedback'],
        querystring: z
          .object({
            capability: z.string().min(1).max(64).optional(),
            request_id: z.string().min(1).max(128).optional(),
            label: z.string().min(1).max(200).optional(),
            rating: z
              .enum(['up', 'down', 'positive', 'negative'])
              .optional()
              .describe('`positive`: up or 4-5; `negative`: down or 1-2.'),
            has_correction: z.enum(['true', 'false']).optional(),
            limit: z.coerce.number().int().min(1).max(200).default(50),
            cursor: z.string().min(1).max(300).optional(),
          })
          .strict(),
        response: {
          200: z
            .object({ items: z.array(feedbackSchema), next_cursor: z.string().nullable() })
            .meta({ id: 'FeedbackPage' }),
          ...problemResponses({ 400: 'A query parameter is not valid.' }),
        },
      },
    },
    async (request) => {
      const query = request.query;
      const page = await service.list(request.tenantId, {
        capability: query.capability,
        requestId: query.request_id,
        label: query.label,
        rating: query.rating,
        hasCorrection: query.has_correction === undefined ? undefined : query.has_correction === 'true',
        limit: query.limit,
        cursor: query.cursor,
      });
      return { items: page.items.map(presentFeedback), next_cursor: page.nextCursor };
    },
  );

  app.get(
    '/v1/feedback/:id',
    {
      config: { scope: 'feedback:read' },
      schema: {
        operationId: 'getFeedback',
        summary: 'Get one feedback',
        tags: ['Feedback'],
        params: z.object({ id: z.string().min(1).max(64) }),
        response: { 200: feedbackSchema, ...problemResponses({ 404: 'No such feedback for your tenant.' }) },
      },
    },
    async (request) => presentFeedback(await service.get(request.tenantId, request.params.id)),
  );
}
