import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../platform/errors/index.ts';
import { type HttpServer, problemResponses } from '../../platform/http/index.ts';
import { authErrors, grants } from '../auth/index.ts';
import { type FeedbackService, polarity } from '../feedback/index.ts';
import type { DatasetsService, ItemRequest } from './datasets.service.ts';
import { evalErrors } from './evals.errors.ts';
import { datasetSchema, itemInputSchema, itemSchema, presentDataset, presentItem } from './evals.schemas.ts';

export interface DatasetRoutesOptions {
  readonly datasets: DatasetsService;
  readonly feedback: FeedbackService;
}

const idParams = z.object({ id: z.string().min(1).max(64) });
const addedSchema = z
  .object({ dataset: datasetSchema, added: z.array(itemSchema) })
  .meta({ id: 'DatasetItemsAdded' });

export function registerDatasetRoutes(app: HttpServer, { datasets, feedback }: DatasetRoutesOptions): void {
  app.post(
    '/v1/datasets',
    {
      config: { scope: 'evals:write' },
      schema: {
        operationId: 'createDataset',
        summary: 'Create a dataset',
        description:
          "A named list of test cases for one capability. Items (optional here, added later with `POST /v1/datasets/{id}/items` or `keel eval import`) are validated against the capability's input schema; each batch makes a new version.",
        tags: ['Evals'],
        body: z
          .object({
            name: z.string().min(1).max(200),
            capability: z.string().min(1).max(64),
            description: z.string().max(2000).optional(),
            items: z.array(itemInputSchema).max(1000).optional(),
          })
          .strict(),
        response: {
          201: datasetSchema,
          ...problemResponses({
            400: 'The body, the capability or an item is not valid (`EVAL_ITEM_INVALID` with field errors).',
            409: 'The tenant already has a dataset with this name.',
          }),
        },
      },
    },
    async (request, reply) => {
      const dataset = await datasets.create(request.tenantId, request.body);
      reply.code(201).header('location', `/v1/datasets/${dataset.id}`);
      return presentDataset(dataset);
    },
  );

  app.get(
    '/v1/datasets',
    {
      config: { scope: 'evals:read' },
      schema: {
        operationId: 'listDatasets',
        summary: 'List datasets',
        tags: ['Evals'],
        querystring: z
          .object({
            capability: z.string().min(1).max(64).optional(),
            limit: z.coerce.number().int().min(1).max(200).default(50),
            cursor: z.string().min(1).max(300).optional(),
          })
          .strict(),
        response: {
          200: z
            .object({ items: z.array(datasetSchema), next_cursor: z.string().nullable() })
            .meta({ id: 'DatasetPage' }),
          ...problemResponses({ 400: 'A query parameter is not valid.' }),
        },
      },
    },
    async (request) => {
      const page = await datasets.list(request.tenantId, request.query);
      return { items: page.items.map(presentDataset), next_cursor: page.nextCursor };
    },
  );

  app.get(
    '/v1/datasets/:id',
    {
      config: { scope: 'evals:read' },
      schema: {
        operationId: 'getDataset',
        summary: 'Get a dataset',
        tags: ['Evals'],
        params: idParams,
        response: { 200: datasetSchema, ...problemResponses({ 404: 'No such dataset for your tenant.' }) },
      },
    },
    async (request) => presentDataset(await datasets.get(request.tenantId, request.params.id)),
  );

  app.delete(
    '/v1/datasets/:id',
    {
      config: { scope: 'evals:write' },
      schema: {
        operationId: 'deleteDataset',
        summary: 'Delete a dataset',
        description: 'Deletes the dataset and its items. Runs made from it keep their results.',
        tags: ['Evals'],
        params: idParams,
        response: { 204: z.null(), ...problemResponses({ 404: 'No such dataset for your tenant.' }) },
      },
    },
    async (request, reply) => {
      await datasets.delete(request.tenantId, request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/v1/datasets/:id/items',
    {
      config: { scope: 'evals:write' },
      schema: {
        operationId: 'addDatasetItems',
        summary: 'Add items to a dataset',
        description:
          "Validates every item against the capability's input schema (all or nothing) and appends them as the dataset's next version. Up to 1,000 per request; `keel eval import` sends a JSONL file in batches.",
        tags: ['Evals'],
        params: idParams,
        body: z.object({ items: z.array(itemInputSchema).min(1).max(1000) }).strict(),
        response: {
          201: addedSchema,
          ...problemResponses({
            400: 'An item is not valid (`EVAL_ITEM_INVALID`).',
            404: 'No such dataset.',
          }),
        },
      },
    },
    async (request, reply) => {
      const added = await datasets.addItems(
        request.tenantId,
        request.params.id,
        request.body.items as ItemRequest[],
      );
      reply.code(201);
      return { dataset: presentDataset(added.dataset), added: added.items.map(presentItem) };
    },
  );

  app.get(
    '/v1/datasets/:id/items',
    {
      config: { scope: 'evals:read' },
      schema: {
        operationId: 'listDatasetItems',
        summary: 'List the items of a dataset version',
        tags: ['Evals'],
        params: idParams,
        querystring: z
          .object({
            version: z.coerce.number().int().min(0).optional().describe('Default: the latest.'),
            offset: z.coerce.number().int().min(0).default(0),
            limit: z.coerce.number().int().min(1).max(1000).default(100),
          })
          .strict(),
        response: {
          200: z
            .object({ dataset_id: z.string(), version: z.number().int(), items: z.array(itemSchema) })
            .meta({ id: 'DatasetItemPage' }),
          ...problemResponses({ 400: 'A query parameter is not valid.', 404: 'No such dataset or version.' }),
        },
      },
    },
    async (request) => {
      const { version, offset, limit } = request.query;
      const page = await datasets.items(request.tenantId, request.params.id, version, offset, limit);
      return { dataset_id: page.dataset.id, version: page.version, items: page.items.map(presentItem) };
    },
  );

  app.get(
    '/v1/datasets/:id/export',
    {
      config: { scope: 'evals:read' },
      schema: {
        operationId: 'exportDataset',
        summary: 'Export a dataset version as JSONL',
        description:
          'One JSON object per line (`input`, `expected`, `reference`, `metadata`): the format `keel eval import` reads.',
        tags: ['Evals'],
        params: idParams,
        querystring: z.object({ version: z.coerce.number().int().min(0).optional() }).strict(),
        response: {
          200: { description: 'JSON Lines.', content: { 'application/x-ndjson': { schema: z.string() } } },
          ...problemResponses({ 404: 'No such dataset or version.' }),
        },
      },
    },
    async (request, reply) => {
      const lines: string[] = [];
      let version = request.query.version;
      for (let offset = 0; ; offset += 1000) {
        const page = await datasets.items(request.tenantId, request.params.id, version, offset, 1000);
        version = page.version;
        for (const item of page.items) {
          lines.push(
            JSON.stringify({
              input: item.input,
              ...(item.expected === null || item.expected === undefined ? {} : { expected: item.expected }),
              ...(item.reference === null ? {} : { reference: item.reference }),
              ...(Object.keys(item.metadata).length === 0 ? {} : { metadata: item.metadata }),
            }),
          );
        }
        if (page.items.length < 1000) break;
      }
      reply.type('application/x-ndjson; charset=utf-8');
      return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
    },
  );

  app.post(
    '/v1/datasets/:id/items::from-feedback',
    {
      config: { scope: 'evals:write' },
      schema: {
        operationId: 'addDatasetItemsFromFeedback',
        summary: 'Turn feedback into dataset items',
        description:
          "Each selected feedback becomes an item: the logged call's input as `input`, the feedback's correction as `expected` (or, with `use_output_when_positive`, the logged output of positively rated calls without a correction), its comment and rating in `metadata`. Feedback must be about the dataset's capability; feedback with nothing to expect is skipped and reported. Needs `evals:write` and `feedback:read`.",
        tags: ['Evals'],
        params: idParams,
        body: z
          .object({
            feedback_ids: z.array(z.string().min(1).max(64)).min(1).max(1000),
            use_output_when_positive: z.boolean().default(false),
          })
          .strict(),
        response: {
          201: addedSchema.extend({
            skipped: z.array(z.object({ feedback_id: z.string(), reason: z.string() })),
          }),
          ...problemResponses({
            400: 'An id is not feedback of your tenant, or is about another capability, or its logged input is no longer valid.',
            403: 'The key lacks `feedback:read`.',
            404: 'No such dataset.',
          }),
        },
      },
    },
    async (request, reply) => {
      requireScope(request, 'feedback:read');
      const dataset = await datasets.get(request.tenantId, request.params.id);
      const { feedback_ids: ids, use_output_when_positive: useOutput } = request.body;
      const found = new Map(
        (await feedback.getMany(request.tenantId, ids)).map((entry) => [entry.id, entry]),
      );
      const items: ItemRequest[] = [];
      const skipped: Array<{ feedback_id: string; reason: string }> = [];
      const errors = ids.flatMap((id, index) => {
        const entry = found.get(id);
        if (!entry)
          return [
            { pointer: `/body/feedback_ids/${index}`, message: 'no such feedback', code: 'unknown_feedback' },
          ];
        if (entry.capability !== dataset.capability) {
          return [
            {
              pointer: `/body/feedback_ids/${index}`,
              message: `feedback on ${entry.capability}, not ${dataset.capability}`,
              code: 'wrong_capability',
            },
          ];
        }
        return [];
      });
      if (errors.length > 0) {
        throw new AppError(evalErrors.EVAL_ITEM_INVALID, {
          detail: 'Some feedback cannot become items of this dataset.',
          errors,
        });
      }
      for (const id of ids) {
        const entry = found.get(id);
        if (!entry) continue;
        const record = await feedback.request(request.tenantId, entry.requestId).catch(() => undefined);
        if (!record || record.input === null || record.input === undefined) {
          skipped.push({
            feedback_id: id,
            reason: 'the logged call has no stored input (bodies off, or expired)',
          });
          continue;
        }
        let expected: unknown = entry.correction;
        if (
          (expected === null || expected === undefined) &&
          useOutput &&
          polarity(entry.rating) === 'positive'
        )
          expected = record.output;
        if (expected === null || expected === undefined) {
          skipped.push({ feedback_id: id, reason: 'no correction (and not a positively rated output)' });
          continue;
        }
        items.push({
          input: record.input,
          expected,
          metadata: {
            request_id: entry.requestId,
            ...(entry.label === null ? {} : { label: entry.label }),
            ...(entry.comment === null ? {} : { comment: entry.comment }),
            ...(entry.rating === null ? {} : { rating: entry.rating.value }),
          },
          feedbackId: entry.id,
        });
      }
      if (items.length === 0) {
        reply.code(201);
        return { dataset: presentDataset(dataset), added: [], skipped };
      }
      const added = await datasets.addItems(request.tenantId, dataset.id, items, '/body/feedback_ids');
      reply.code(201);
      return { dataset: presentDataset(added.dataset), added: added.items.map(presentItem), skipped };
    },
  );
}

/** A route that reads another family's data needs that scope too. */
export function requireScope(request: FastifyRequest, scope: string): void {
  const principal = request.principal;
  if (principal && !grants(principal.scopes, scope)) {
    throw new AppError(authErrors.AUTH_SCOPE_MISSING, {
      detail: `This needs the \`${scope}\` scope too.`,
      details: { required_scope: scope },
    });
  }
}
