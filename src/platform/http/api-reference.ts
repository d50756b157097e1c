import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';

/**
 * The API reference page (Scalar) at `prefix`, loaded on its first request. The Scalar plugin carries its
 * 4 MB browser bundle as a JavaScript string plus an OpenAPI parser, which cost every start about a second
 * of the main thread for a page most starts never serve. So Keel registers the page's three routes itself
 * (the redirect, the page, the bundle) and answers them from a private Fastify instance with the plugin,
 * built on the first request and kept. Hidden routes: public, and left out of the OpenAPI document.
 */
export function registerApiReference(
  app: FastifyInstance,
  prefix: `/${string}`,
  configuration: Readonly<Record<string, unknown>>,
): void {
  let reference: Promise<FastifyInstance> | undefined;
  const load = (): Promise<FastifyInstance> => {
    reference ??= (async () => {
      const { default: scalar } = await import('@scalar/fastify-api-reference');
      const instance = Fastify({ logger: false, routerOptions: { ignoreTrailingSlash: false } });
      await instance.register(scalar, { routePrefix: prefix, configuration });
      await instance.ready();
      return instance;
    })();
    // A failed load is tried again on the next request rather than cached.
    reference.catch(() => {
      reference = undefined;
    });
    return reference;
  };
  const forward = async (request: FastifyRequest, reply: FastifyReply) => {
    const instance = await load();
    const response = await instance.inject({ method: 'GET', url: request.url });
    reply.code(response.statusCode);
    for (const name of ['content-type', 'location'] as const) {
      const value = response.headers[name];
      if (value !== undefined) reply.header(name, value);
    }
    return reply.send(response.rawPayload);
  };
  for (const url of [prefix, `${prefix}/`, `${prefix}/js/scalar.js`]) {
    app.get(url, { schema: { hide: true } }, forward);
  }
}
