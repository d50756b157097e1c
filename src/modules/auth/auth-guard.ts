import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../../platform/errors/index.ts';
import { PUBLIC_SCOPE, type RouteScope } from '../../platform/http/index.ts';
import type { AuthFailureLimiter } from '../limits/index.ts';
import type { ApiKeyService } from './api-key.service.ts';
import { TOKEN_SEARCH_PATTERN } from './api-key.ts';
import { authErrors } from './auth.errors.ts';
import type { Principal } from './principal.ts';
import { grants } from './scopes.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling; undefined on public routes and before authentication. */
    principal: Principal | undefined;
  }
}

/** Query parameters clients put keys in; a key there is in every proxy's and browser's history. */
const KEY_PARAMETERS = new Set([
  'api_key',
  'apikey',
  'api-key',
  'access_token',
  'token',
  'authorization',
  'auth',
  'bearer',
]);

/**
 * The one authentication and authorization point: every matched route passes through it. It resolves
 * the bearer token to a principal, sets the request's tenant (and the request context's), and checks the
 * route's declared scope. Unmatched routes fall through to the 404 handler.
 */
export function installAuthGuard(
  app: FastifyInstance,
  service: ApiKeyService,
  adminKey: string | undefined,
  failures?: AuthFailureLimiter,
): void {
  app.decorateRequest('principal', undefined);
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.url === undefined) return;
    rejectKeyInQuery(request, adminKey);
    const scope = requiredScope(request);
    if (scope === PUBLIC_SCOPE) return;
    const principal = await authenticate(service, request, failures);
    request.principal = principal;
    request.tenantId = principal.tenantId;
    const context = request.context;
    context.tenantId = principal.tenantId;
    context.keyId = principal.keyId;
    context.scopes = principal.scopes;
    context.subject = principal.subject;
    context.authenticated = true;
    if (!grants(principal.scopes, scope)) {
      throw new AppError(authErrors.AUTH_SCOPE_MISSING, {
        detail: `This route needs the \`${scope ?? 'admin'}\` scope.`,
        details: { required_scope: scope ?? 'admin' },
      });
    }
  });
}

/**
 * The request's principal. A presented key that is refused (401) counts against its client address, and
 * past the address's allowance the answer is the limiter's 429 instead.
 */
export async function authenticate(
  service: ApiKeyService,
  request: FastifyRequest,
  failures: AuthFailureLimiter | undefined,
): Promise<Principal> {
  const presented = request.headers.authorization;
  try {
    return await service.authenticate(bearerToken(request));
  } catch (error) {
    if (failures && typeof presented === 'string' && presented !== '' && isRefusedKey(error)) {
      const refusal = await failures.failed(request.ip);
      if (refusal) throw refusal;
    }
    throw error;
  }
}

function isRefusedKey(error: unknown): boolean {
  return error instanceof AppError && error.status === 401;
}

/** The scope a matched route needs. Hidden routes (the reference page and its assets) are public. */
export function requiredScope(request: FastifyRequest): RouteScope | undefined {
  const declared = request.routeOptions.config.scope;
  if (declared !== undefined) return declared;
  return (request.routeOptions.schema as { hide?: boolean } | undefined)?.hide === true
    ? PUBLIC_SCOPE
    : undefined;
}

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string' || header === '') return undefined;
  if (!/^Bearer\s/i.test(header)) {
    throw new AppError(authErrors.AUTH_INVALID, {
      detail: 'Only `Authorization: Bearer <key>` is accepted.',
      headers: { 'www-authenticate': 'Bearer' },
    });
  }
  const token = header.slice(7).trim();
  return token === '' ? undefined : token;
}

function rejectKeyInQuery(request: FastifyRequest, adminKey: string | undefined): void {
  const question = request.url.indexOf('?');
  if (question < 0) return;
  const query = new URLSearchParams(request.url.slice(question + 1));
  for (const [name, value] of query) {
    const named = KEY_PARAMETERS.has(name.toLowerCase());
    if (named || looksLikeKey(name, adminKey) || looksLikeKey(value, adminKey)) {
      // Never echo a parameter that may itself be the key.
      const what = named ? `\`${name}\`` : 'the parameter holding the key';
      throw new AppError(authErrors.AUTH_KEY_IN_QUERY, {
        detail: `Remove ${what} from the URL and send the key in the Authorization header.`,
      });
    }
  }
}

function looksLikeKey(text: string, adminKey: string | undefined): boolean {
  TOKEN_SEARCH_PATTERN.lastIndex = 0;
  return TOKEN_SEARCH_PATTERN.test(text) || (adminKey !== undefined && text.includes(adminKey));
}
