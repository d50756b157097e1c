import type { FastifyInstance } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /** The tenant every read and write of this request is scoped to. */
    tenantId: string;
  }
}

/**
 * Every request starts in the single local tenant; the auth guard (modules/auth) then sets the
 * authenticated key's tenant on `request.tenantId` and on the request context, before any handler runs.
 */
export const DEFAULT_TENANT_ID = 'default';

export function installTenantResolver(
  app: FastifyInstance,
  resolve: () => string = () => DEFAULT_TENANT_ID,
): void {
  app.decorateRequest('tenantId', '');
  app.addHook('onRequest', async (request) => {
    request.tenantId = resolve();
  });
}
