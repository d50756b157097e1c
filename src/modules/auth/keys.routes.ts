import { z } from 'zod';
import { AppError, platformErrors } from '../../platform/errors/index.ts';
import { type HttpServer, problemResponses } from '../../platform/http/index.ts';
import { keyLimitsFromJson, keyLimitsSchema, presentKeyLimits } from '../limits/index.ts';
import type { ApiKeyService } from './api-key.service.ts';
import type { ApiKeyView } from './api-key.ts';
import { authErrors } from './auth.errors.ts';
import { SCOPE_PATTERN } from './scopes.ts';

export const TENANT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const keyIdSchema = z
  .string()
  .regex(/^key_[0-9a-f]{16}$/)
  .describe('Public key id, `key_` + 16 hex digits.');

export const apiKeySchema = z
  .object({
    id: keyIdSchema,
    name: z.string(),
    tenant_id: z.string(),
    scopes: z.array(z.string()),
    limits: keyLimitsSchema,
    status: z.enum(['active', 'expired', 'revoked']),
    created_at: z.iso.datetime(),
    expires_at: z.iso.datetime().nullable(),
    revoked_at: z.iso.datetime().nullable(),
    last_used_at: z.iso.datetime().nullable().describe('Updated at most once a minute per process.'),
    webhook: z
      .object({ url: z.string() })
      .nullable()
      .describe("The key's default job webhook (its secret is never returned)."),
    guardrails: z
      .array(z.string())
      .describe("Guardrail policies the key adds to every call's own (see docs/guardrails.md)."),
  })
  .meta({ id: 'ApiKey' });

export const keyWebhookSchema = z
  .object({
    url: z
      .url({ protocol: /^https?$/ })
      .max(2_048)
      .describe(
        'Receives a signed POST when a job created with this key succeeds, fails or is cancelled, unless the job names its own webhook.',
      ),
    secret: z
      .string()
      .min(24)
      .max(256)
      .describe('Signs each delivery (HMAC-SHA256, Standard Webhooks headers). Never returned.'),
  })
  .strict()
  .meta({ id: 'ApiKeyWebhook' });

export const createKeySchema = z
  .object({
    name: z.string().trim().min(1).max(100).describe('What the key is for, shown in lists.'),
    tenant_id: z
      .string()
      .regex(TENANT_PATTERN)
      .default('default')
      .describe('The tenant whose data the key reads and writes.'),
    scopes: z
      .array(z.string().regex(SCOPE_PATTERN))
      .min(1)
      .max(64)
      .describe(
        '`admin`, `capability:<name>` or `capability:*`, `documents:read`, `documents:write`, `jobs:read`, `jobs:write`, `requests:read`, `metrics:read`, ...',
      ),
    expires_at: z.iso
      .datetime({ offset: true })
      .optional()
      .describe('When the key stops working; never if omitted.'),
    limits: keyLimitsSchema.optional(),
    webhook: keyWebhookSchema.optional(),
    guardrails: z
      .array(z.string().regex(/^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/))
      .max(32)
      .optional()
      .describe(
        "Guardrail policies (names, built-in or from keel.config.ts) added to every call made with the key. A key only adds: its capabilities' own policies always apply.",
      ),
  })
  .strict()
  .meta({ id: 'CreateApiKeyRequest' });

const createdKeySchema = z
  .object({
    key: apiKeySchema,
    token: z.string().describe('The secret bearer token. Shown this once: Keel stores only its scrypt hash.'),
  })
  .meta({ id: 'CreatedApiKey' });

const keyPageSchema = z
  .object({ items: z.array(apiKeySchema), next_cursor: z.string().nullable() })
  .meta({ id: 'ApiKeyPage' });

export interface KeyRoutesOptions {
  readonly service: ApiKeyService;
  readonly clock: { now(): Date };
  /** Whether a guardrail policy name exists (keys may only name existing policies). */
  readonly guardrailExists?: (name: string) => boolean;
}

/** `POST/GET/DELETE /v1/admin/keys`: key management for administrators, across tenants. */
export function registerKeyRoutes(
  app: HttpServer,
  { service, clock, guardrailExists }: KeyRoutesOptions,
): void {
  const present = (key: ApiKeyView) => presentKey(key, clock.now());

  app.post(
    '/v1/admin/keys',
    {
      config: { scope: 'admin' },
      schema: {
        operationId: 'createApiKey',
        summary: 'Create an API key',
        description:
          'Returns the token once; store it now. Keys carry a tenant, scopes, an optional expiry, optional limits and an optional default job webhook. A key cannot be changed afterwards: create a new one and revoke the old.',
        tags: ['Admin'],
        body: createKeySchema,
        response: {
          201: createdKeySchema,
          ...problemResponses({
            400: 'The body is not valid (for example an expiry in the past or a malformed scope).',
          }),
        },
      },
    },
    async (request, reply) => {
      const { expires_at: expiresAt, tenant_id: tenantId, limits, ...rest } = request.body;
      const expiry = expiresAt === undefined ? null : new Date(expiresAt);
      if (expiry !== null && expiry <= clock.now()) {
        throw new AppError(platformErrors.REQUEST_VALIDATION_FAILED, {
          detail: '1 field is not valid: /body/expires_at',
          errors: [{ pointer: '/body/expires_at', message: 'must be in the future', code: 'too_small' }],
        });
      }
      const unknown = (rest.guardrails ?? []).filter((name) => guardrailExists?.(name) !== true);
      if (unknown.length > 0) {
        throw new AppError(platformErrors.REQUEST_VALIDATION_FAILED, {
          detail: `Unknown guardrail policies: ${unknown.join(', ')}.`,
          errors: unknown.map((name) => ({
            pointer: '/body/guardrails',
            message: `no guardrail policy named ${name}`,
            code: 'invalid_value',
          })),
        });
      }
      const created = await service.create({
        ...rest,
        tenantId,
        expiresAt: expiry,
        ...(limits ? { limits: keyLimitsFromJson(limits) } : {}),
      });
      reply.code(201);
      return { key: present(created.key), token: created.token };
    },
  );

  app.get(
    '/v1/admin/keys',
    {
      config: { scope: 'admin' },
      schema: {
        operationId: 'listApiKeys',
        summary: 'List API keys',
        description: 'Newest first; never shows tokens or hashes.',
        tags: ['Admin'],
        querystring: z
          .object({
            tenant_id: z.string().regex(TENANT_PATTERN).optional(),
            limit: z.coerce.number().int().min(1).max(200).default(50),
            cursor: z.string().min(1).max(200).optional(),
          })
          .strict(),
        response: { 200: keyPageSchema, ...problemResponses({ 400: 'A query parameter is not valid.' }) },
      },
    },
    async (request) => {
      const { tenant_id: tenantId, limit, cursor } = request.query;
      const page = await service.list({
        limit,
        ...(tenantId === undefined ? {} : { tenantId }),
        ...(cursor === undefined ? {} : { cursor }),
      });
      return { items: page.items.map(present), next_cursor: page.nextCursor };
    },
  );

  app.get(
    '/v1/admin/keys/:id',
    {
      config: { scope: 'admin' },
      schema: {
        operationId: 'getApiKey',
        summary: 'Get an API key',
        tags: ['Admin'],
        params: z.object({ id: keyIdSchema }),
        response: {
          200: apiKeySchema,
          ...problemResponses({ 400: 'The id is not a key id.', 404: 'No such key.' }),
        },
      },
    },
    async (request) => {
      const key = await service.get(request.params.id);
      if (!key)
        throw new AppError(authErrors.AUTH_KEY_NOT_FOUND, { detail: `No API key ${request.params.id}.` });
      return present(key);
    },
  );

  app.delete(
    '/v1/admin/keys/:id',
    {
      config: { scope: 'admin' },
      schema: {
        operationId: 'revokeApiKey',
        summary: 'Revoke an API key',
        description:
          'Idempotent. This process refuses the key at once; other API processes within a few seconds (the key cache lifetime).',
        tags: ['Admin'],
        params: z.object({ id: keyIdSchema }),
        response: {
          200: apiKeySchema,
          ...problemResponses({ 400: 'The id is not a key id.', 404: 'No such key.' }),
        },
      },
    },
    async (request) => present(await service.revoke(request.params.id)),
  );
}

export function presentKey(key: ApiKeyView, now: Date): z.output<typeof apiKeySchema> {
  return {
    id: key.id,
    name: key.name,
    tenant_id: key.tenantId,
    scopes: [...key.scopes],
    limits: presentKeyLimits(key.limits),
    status:
      key.revokedAt !== null
        ? 'revoked'
        : key.expiresAt !== null && key.expiresAt <= now
          ? 'expired'
          : 'active',
    created_at: key.createdAt.toISOString(),
    expires_at: key.expiresAt?.toISOString() ?? null,
    revoked_at: key.revokedAt?.toISOString() ?? null,
    last_used_at: key.lastUsedAt?.toISOString() ?? null,
    webhook: key.webhook,
    guardrails: [...(key.guardrails ?? [])],
  };
}
