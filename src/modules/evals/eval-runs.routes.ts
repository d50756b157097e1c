import { z } from 'zod';
import { type HttpServer, problemResponses } from '../../platform/http/index.ts';
import { requireScope } from './datasets.routes.ts';
import type { DatasetsService } from './datasets.service.ts';
import type { EvalRunsService } from './eval-runs.service.ts';
import {
  comparisonSchema,
  presentComparison,
  presentResult,
  presentRun,
  resultSchema,
  runSchema,
  scorerSpecSchema,
} from './evals.schemas.ts';
import { renderReport } from './report-html.ts';

export interface EvalRunRoutesOptions {
  readonly runs: EvalRunsService;
  readonly datasets: DatasetsService;
}

const idParams = z.object({ id: z.string().min(1).max(64) });
const variantName = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._:/@-]+$/, 'an alias, `provider:model`, or `local`');
const compareQuery = z
  .object({
    baseline: z.string().min(1).max(64).optional().describe('The baseline run (default: this run).'),
    baseline_variant: variantName.optional().describe("The baseline's variant (default: its first)."),
    variant: variantName
      .optional()
      .describe("This run's variant (default: its first; its second when comparing a run with itself)."),
  })
  .strict();

export function registerEvalRunRoutes(app: HttpServer, { runs, datasets }: EvalRunRoutesOptions): void {
  app.post(
    '/v1/eval-runs',
    {
      config: { scope: 'evals:write' },
      schema: {
        operationId: 'createEvalRun',
        summary: 'Start an eval run',
        description:
          "Runs every item of a dataset version through its capability once per variant (`local` for the embedded engine, an alias, or `provider:model`), scores each output, and aggregates per variant with 95% t-intervals. Answers 202 at once; the run executes as an `eval-run` job (follow `job_id`'s events for progress, or poll `GET /v1/eval-runs/{id}`). Needs `evals:write` and the capability's scope.",
        tags: ['Evals'],
        body: z
          .object({
            dataset_id: z.string().min(1).max(64),
            dataset_version: z.number().int().min(1).optional().describe('Default: the latest.'),
            variants: z
              .array(variantName)
              .min(1)
              .max(8)
              .refine((list) => new Set(list).size === list.length, 'variants must differ'),
            scorers: z.array(scorerSpecSchema).min(1).max(20),
            concurrency: z.number().int().min(1).max(32).default(4),
          })
          .strict(),
        response: {
          202: runSchema,
          ...problemResponses({
            400: 'The body, a scorer or its options are not valid, or the dataset is empty.',
            403: "The key lacks `evals:write` or the capability's scope.",
            404: 'No such dataset or version.',
          }),
        },
      },
    },
    async (request, reply) => {
      const dataset = await datasets.get(request.tenantId, request.body.dataset_id);
      requireScope(request, `capability:${dataset.capability}`);
      const run = await runs.create(
        { tenantId: request.tenantId, apiKeyId: request.context?.keyId ?? null, requestId: request.id },
        {
          datasetId: request.body.dataset_id,
          datasetVersion: request.body.dataset_version,
          variants: request.body.variants,
          scorers: request.body.scorers,
          concurrency: request.body.concurrency,
        },
      );
      reply.code(202).header('location', `/v1/eval-runs/${run.id}`);
      return presentRun(run);
    },
  );

  app.get(
    '/v1/eval-runs',
    {
      config: { scope: 'evals:read' },
      schema: {
        operationId: 'listEvalRuns',
        summary: 'List eval runs',
        tags: ['Evals'],
        querystring: z
          .object({
            dataset_id: z.string().min(1).max(64).optional(),
            limit: z.coerce.number().int().min(1).max(200).default(50),
            cursor: z.string().min(1).max(300).optional(),
          })
          .strict(),
        response: {
          200: z
            .object({ items: z.array(runSchema), next_cursor: z.string().nullable() })
            .meta({ id: 'EvalRunPage' }),
          ...problemResponses({ 400: 'A query parameter is not valid.' }),
        },
      },
    },
    async (request) => {
      const page = await runs.list(request.tenantId, {
        datasetId: request.query.dataset_id,
        limit: request.query.limit,
        cursor: request.query.cursor,
      });
      return { items: page.items.map(presentRun), next_cursor: page.nextCursor };
    },
  );

  app.get(
    '/v1/eval-runs/:id',
    {
      config: { scope: 'evals:read' },
      schema: {
        operationId: 'getEvalRun',
        summary: 'Get an eval run',
        description:
          'Status, progress (`completed` of `total`) and, once succeeded, the per-variant summary.',
        tags: ['Evals'],
        params: idParams,
        response: { 200: runSchema, ...problemResponses({ 404: 'No such run for your tenant.' }) },
      },
    },
    async (request) => presentRun(await runs.get(request.tenantId, request.params.id)),
  );

  app.get(
    '/v1/eval-runs/:id/results',
    {
      config: { scope: 'evals:read' },
      schema: {
        operationId: 'listEvalRunResults',
        summary: 'Per-item results of an eval run',
        description:
          'Every (item, variant): output, scores with their details, latency, tokens, cost and error.',
        tags: ['Evals'],
        params: idParams,
        response: {
          200: z.object({ run: runSchema, results: z.array(resultSchema) }).meta({ id: 'EvalRunResults' }),
          ...problemResponses({ 404: 'No such run for your tenant.' }),
        },
      },
    },
    async (request) => {
      const { run, results } = await runs.results(request.tenantId, request.params.id);
      return { run: presentRun(run), results: results.map(presentResult) };
    },
  );

  app.get(
    '/v1/eval-runs/:id/compare',
    {
      config: { scope: 'evals:read' },
      schema: {
        operationId: 'compareEvalRuns',
        summary: 'Compare two runs item by item',
        description:
          'Which items regressed (a metric went down, or the call newly failed) and which improved, between a baseline run/variant and this run/variant, with the change of each metric mean. Both runs must have succeeded on the same dataset and capability.',
        tags: ['Evals'],
        params: idParams,
        querystring: compareQuery,
        response: {
          200: comparisonSchema,
          ...problemResponses({
            400: 'The runs cannot be compared (different dataset or capability, unknown variant).',
            404: 'No such run for your tenant.',
            409: 'A run has not succeeded.',
          }),
        },
      },
    },
    async (request) => {
      const query = request.query;
      return presentComparison(
        await runs.compare(
          request.tenantId,
          { id: query.baseline ?? request.params.id, variant: query.baseline_variant },
          { id: request.params.id, variant: query.variant },
        ),
      );
    },
  );

  app.get(
    '/v1/eval-runs/:id/report',
    {
      config: { scope: 'evals:read' },
      schema: {
        operationId: 'evalRunReport',
        summary: 'HTML report of an eval run',
        description:
          'A self-contained HTML page (inline SVG charts, no scripts, no network): per-variant bars with 95% intervals, score distributions, per-item table, and with `baseline` (or a second variant) the regressions and improvements.',
        tags: ['Evals'],
        params: idParams,
        querystring: compareQuery,
        response: {
          200: { description: 'HTML.', content: { 'text/html': { schema: z.string() } } },
          ...problemResponses({
            404: 'No such run for your tenant.',
            409: 'A compared run has not succeeded.',
          }),
        },
      },
    },
    async (request, reply) => {
      const { run, results } = await runs.results(request.tenantId, request.params.id);
      const query = request.query;
      const comparing =
        query.baseline !== undefined || query.baseline_variant !== undefined || run.variants.length > 1;
      const comparison =
        comparing && run.status === 'succeeded'
          ? await runs.compare(
              request.tenantId,
              { id: query.baseline ?? run.id, variant: query.baseline_variant },
              { id: run.id, variant: query.variant },
            )
          : undefined;
      const dataset = await datasets.get(request.tenantId, run.datasetId).catch(() => undefined);
      reply.type('text/html; charset=utf-8');
      return renderReport({ run, results, datasetName: dataset?.name, comparison });
    },
  );
}
