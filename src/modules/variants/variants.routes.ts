import { z } from 'zod';
import { type HttpServer, problemResponses } from '../../platform/http/index.ts';
import {
  capabilityParams,
  comparisonSchema,
  createVariantSchema,
  policyChangeSchema,
  presentComparison,
  presentEvent,
  presentPolicy,
  presentVariant,
  trafficChangeFromJson,
  trafficChangeSchema,
  trafficPolicySchema,
  variantEventSchema,
  variantSchema,
} from './variants.schemas.ts';
import type { VariantService } from './variants.service.ts';

export interface VariantRoutesOptions {
  readonly service: VariantService;
  /** Writes buffered observations before a comparison is read. */
  readonly flush: () => Promise<void>;
}

const TAGS = ['Variants'];
const versionParams = capabilityParams.extend({ version: z.coerce.number().int().min(1).max(1_000_000) });
const versionBody = z
  .object({ version: z.number().int().min(1).optional() })
  .strict()
  .meta({ id: 'VariantVersionRequest' });

/** `/v1/admin/capabilities/{name}/...`: variants, the traffic policy, promotion, rollback, events, comparison. */
export function registerVariantRoutes(app: HttpServer, { service, flush }: VariantRoutesOptions): void {
  const base = '/v1/admin/capabilities/:name';
  app.get(
    `${base}/variants`,
    {
      config: { scope: 'admin' },
      schema: {
        operationId: 'listVariants',
        summary: "List a capability's variants",
        description: 'Every version, oldest first. Variants never change once made.',
        tags: TAGS,
        params: capabilityParams,
        response: {
          200: z.object({ items: z.array(variantSchema) }).meta({ id: 'VariantList' }),
          ...problemResponses({ 404: 'No such capability.' }),
        },
      },
    },
    async (request) => ({ items: (await service.listVariants(request.params.name)).map(presentVariant) }),
  );

  app.post(
    `${base}/variants`,
    {
      config: { scope: 'admin' },
      schema: {
        operationId: 'createVariant',
        summary: 'Create a variant (the next version)',
        description:
          "Freezes instructions, a model and settings as the capability's next version (`summarize@3`). It serves nothing until the traffic policy names it (`PUT .../traffic`): as a canary, a shadow, or stable.",
        tags: TAGS,
        params: capabilityParams,
        body: createVariantSchema,
        response: {
          201: variantSchema,
          ...problemResponses({ 400: 'The body is not valid.', 404: 'No such capability.' }),
        },
      },
    },
    async (request, reply) => {
      const variant = await service.createVariant({
        capability: request.params.name,
        ...request.body,
        source: 'api',
      });
      reply.code(201);
      return presentVariant(variant);
    },
  );

  app.get(
    `${base}/variants/:version`,
    {
      config: { scope: 'admin' },
      schema: {
        operationId: 'getVariant',
        summary: 'Get a variant',
        tags: TAGS,
        params: versionParams,
        response: { 200: variantSchema, ...problemResponses({ 404: 'No such capability or variant.' }) },
      },
    },
    async (request) => presentVariant(await service.getVariant(request.params.name, request.params.version)),
  );

  app.get(
    `${base}/traffic`,
    {
      config: { scope: 'admin' },
      schema: {
        operationId: 'getTrafficPolicy',
        summary: "Get a capability's traffic policy",
        description:
          'Which variant is stable, the canary and its share, the shadows, the automatic rollback thresholds.',
        tags: TAGS,
        params: capabilityParams,
        response: { 200: trafficPolicySchema, ...problemResponses({ 404: 'No such capability.' }) },
      },
    },
    async (request) => presentPolicy(await service.getTraffic(request.params.name)),
  );

  app.put(
    `${base}/traffic`,
    {
      config: { scope: 'admin' },
      schema: {
        operationId: 'setTrafficPolicy',
        summary: "Set a capability's traffic policy",
        description:
          "One stable variant, an optional canary serving a share of subjects (sticky: a hash of the API key id, or of the `keel-subject` header when the caller sends one), and up to 3 shadows run on a sampled share of live calls as `variant-shadow` jobs after the response (their own rate; never the caller's limits, latency or errors). Every process follows within moments. Counters of the automatic rollback restart with each change.",
        tags: TAGS,
        params: capabilityParams,
        body: trafficChangeSchema,
        response: {
          200: trafficPolicySchema,
          ...problemResponses({
            400: 'The policy is not valid (`VARIANT_POLICY_INVALID`).',
            404: 'No such capability or variant.',
            409: 'The policy changed since `revision` (`VARIANT_POLICY_CONFLICT`).',
          }),
        },
      },
    },
    async (request) => {
      const { revision, ...change } = request.body;
      return presentPolicy(
        await service.setTraffic(request.params.name, trafficChangeFromJson(change), revision),
      );
    },
  );

  app.post(
    `${base}/promote`,
    {
      config: { scope: 'admin' },
      schema: {
        operationId: 'promoteVariant',
        summary: 'Promote the canary (or a version) to stable',
        description:
          'In one call: the canary (or `version`) becomes stable and the canary slot empties. Recorded as a `promoted` event; the variants webhook fires.',
        tags: TAGS,
        params: capabilityParams,
        body: versionBody,
        response: {
          200: policyChangeSchema,
          ...problemResponses({
            400: 'Nothing to promote.',
            404: 'No such capability or variant.',
            409: 'The policy changed meanwhile.',
          }),
        },
      },
    },
    async (request) => {
      const { policy, event } = await service.promote(request.params.name, request.body.version);
      return { policy: presentPolicy(policy), event: presentEvent(event) };
    },
  );

  app.post(
    `${base}/rollback`,
    {
      config: { scope: 'admin' },
      schema: {
        operationId: 'rollbackVariant',
        summary: 'Roll back: the canary out, or stable to an earlier version',
        description:
          'In one call: with a canary, traffic returns to stable. Without one, stable returns to `version`, or to the version before the last promotion. Recorded as a `rolled-back` event; the variants webhook fires.',
        tags: TAGS,
        params: capabilityParams,
        body: versionBody,
        response: {
          200: policyChangeSchema,
          ...problemResponses({
            400: 'Nothing to roll back to.',
            404: 'No such capability or variant.',
            409: 'The policy changed meanwhile.',
          }),
        },
      },
    },
    async (request) => {
      const { policy, event } = await service.rollback(request.params.name, request.body.version);
      return { policy: presentPolicy(policy), event: presentEvent(event) };
    },
  );

  app.get(
    `${base}/variant-events`,
    {
      config: { scope: 'admin' },
      schema: {
        operationId: 'listVariantEvents',
        summary: 'Promotions, rollbacks and traffic changes',
        description:
          'Newest first. Automatic rollbacks (`auto-rolled-back`) name the test that failed and its figures.',
        tags: TAGS,
        params: capabilityParams,
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }).strict(),
        response: {
          200: z.object({ items: z.array(variantEventSchema) }).meta({ id: 'VariantEventList' }),
          ...problemResponses({ 404: 'No such capability.' }),
        },
      },
    },
    async (request) => ({
      items: (await service.events(request.params.name, request.query.limit)).map(presentEvent),
    }),
  );

  app.get(
    `${base}/comparison`,
    {
      config: { scope: 'admin' },
      schema: {
        operationId: 'compareVariants',
        summary: 'Online evals: the variants compared on live traffic',
        description:
          "Per variant and role (stable, canary, shadow) since `since_minutes` ago: calls, error rate and schema-failure rate, latency (mean, p95), cost, feedback rating, the rollback scorer, and for shadows agreement with stable's output; means with the eval module's 95% t-intervals. `timeline` repeats them per `bucket_minutes`.",
        tags: TAGS,
        params: capabilityParams,
        querystring: z
          .object({
            since_minutes: z.coerce.number().int().min(1).max(43_200).default(1_440),
            bucket_minutes: z.coerce.number().int().min(1).max(1_440).default(60),
          })
          .strict(),
        response: { 200: comparisonSchema, ...problemResponses({ 404: 'No such capability.' }) },
      },
    },
    async (request) => {
      await flush();
      const since = new Date(Date.now() - request.query.since_minutes * 60_000);
      return presentComparison(
        await service.comparison(request.params.name, since, request.query.bucket_minutes * 60_000),
      );
    },
  );
}
