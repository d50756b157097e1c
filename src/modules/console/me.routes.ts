import { z } from 'zod';
import { AppError } from '../../platform/errors/index.ts';
import { type HttpServer, problemResponses } from '../../platform/http/index.ts';
import { type ApiKeyService, authErrors } from '../auth/index.ts';
import { type AuthFailureLimiter, keyLimitsSchema, presentKeyLimits } from '../limits/index.ts';

export const identitySchema = z
  .object({
    authenticated: z
      .boolean()
      .describe('False when no key was sent and Keel requires one; every other member is then empty.'),
    kind: z
      .enum(['api-key', 'admin-key', 'open'])
      .nullable()
      .describe('`open`: no key needed (loopback, no KEEL_ADMIN_KEY), which acts as `admin`.'),
    key_id: z
      .string()
      .nullable()
      .describe('`key_...`, `admin` for KEEL_ADMIN_KEY, null when open or anonymous.'),
    tenant_id: z.string().nullable(),
    scopes: z.array(z.string()),
    limits: keyLimitsSchema.nullable().describe("The key's limits over the deployment's defaults."),
  })
  .meta({ id: 'Identity' });

/**
 * `GET /v1/me`: who the presented key is (tenant, scopes, limits). No scope is common to every key, so the
 * route is public and authenticates the key itself: a bad, revoked or expired key is refused as on any
 * route, and no key answers `authenticated: false` (or the open principal when Keel needs no key).
 */
export function registerMeRoute(
  app: HttpServer,
  options: { readonly keys: ApiKeyService; readonly authFailures?: AuthFailureLimiter },
): void {
  app.get(
    '/v1/me',
    {
      config: { scope: 'public' },
      schema: {
        operationId: 'getIdentity',
        summary: 'Describe the calling API key',
        description:
          'The tenant, scopes and limits of the key in `Authorization: Bearer`. Any valid key may call it (the console signs in with it). Without a key it answers `authenticated: false`, unless Keel runs open (loopback, no admin key), where every caller is the `open` admin principal.',
        tags: ['Admin'],
        response: {
          200: identitySchema,
          ...problemResponses({ 401: 'The key is malformed, unknown, revoked or expired.' }),
        },
      },
    },
    async (request) => {
      const token = bearerToken(request.headers.authorization);
      try {
        const principal = await options.keys.authenticate(token);
        return {
          authenticated: true,
          kind: principal.kind,
          key_id: principal.keyId ?? null,
          tenant_id: principal.tenantId,
          scopes: [...principal.scopes],
          limits: principal.limits ? presentKeyLimits(principal.limits) : null,
        };
      } catch (error) {
        if (
          token === undefined &&
          error instanceof AppError &&
          error.code === authErrors.AUTH_REQUIRED.code
        ) {
          return {
            authenticated: false,
            kind: null,
            key_id: null,
            tenant_id: null,
            scopes: [],
            limits: null,
          };
        }
        // A refused key counts against the client address here as on every other route.
        if (token !== undefined && error instanceof AppError && error.status === 401) {
          const refusal = await options.authFailures?.failed(request.ip);
          if (refusal) throw refusal;
        }
        throw error;
      }
    },
  );
}

function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined || header === '') return undefined;
  if (!/^Bearer\s/i.test(header)) {
    throw new AppError(authErrors.AUTH_INVALID, {
      detail: 'Only `Authorization: Bearer <key>` is accepted.',
      headers: { 'www-authenticate': 'Bearer' },
    });
  }
  const token = header.slice(7).trim();
  return token === '' ? undefined : token;
}
