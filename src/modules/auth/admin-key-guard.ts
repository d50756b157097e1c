import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../platform/errors/index.ts';
import { sendProblem } from '../../platform/http/index.ts';
import { authErrors } from './auth.errors.ts';

/** Routes that need a key when one is configured; health, docs and the OpenAPI document stay public. */
const PROTECTED_PREFIXES = ['/v1/', '/openai/'];

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * With `KEEL_ADMIN_KEY` set, every protected route requires `Authorization: Bearer <key>`. Comparing
 * fixed-length digests keeps the comparison constant-time whatever the presented length.
 */
export function installAdminKeyGuard(app: FastifyInstance, adminKey: string | undefined): void {
  if (adminKey === undefined) return;
  const expected = digest(adminKey);
  app.addHook('onRequest', async (request, reply) => {
    if (!PROTECTED_PREFIXES.some((prefix) => request.url.startsWith(prefix))) return;
    const header = request.headers.authorization;
    const token = typeof header === 'string' && /^Bearer /i.test(header) ? header.slice(7).trim() : undefined;
    if (token === undefined || token === '') {
      reply.header('www-authenticate', 'Bearer');
      sendProblem(reply, new AppError(authErrors.AUTH_REQUIRED), request);
      return reply;
    }
    if (!timingSafeEqual(digest(token), expected)) {
      reply.header('www-authenticate', 'Bearer error="invalid_token"');
      sendProblem(reply, new AppError(authErrors.AUTH_INVALID), request);
      return reply;
    }
  });
}
