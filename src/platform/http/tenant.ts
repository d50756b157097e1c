import type { FastifyInstance } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /** The tenant every read and write of this request is scoped to. */
    tenantId: string;
  }
}

/** Until API keys exist every request belongs to the single local tenant; auth replaces this resolver. */
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
