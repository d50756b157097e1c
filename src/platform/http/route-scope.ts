declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The API-key scope a route requires: `public` (no key), `admin`, `capability:<name>`,
     * `requests:read`, `jobs:read`, `jobs:write`, `documents:read`, `documents:write`, ...
     * Every route declares one; the auth module enforces it and treats a missing one as `admin`.
     */
    scope?: RouteScope;
  }
}

export type RouteScope = 'public' | 'admin' | (string & {});

export const PUBLIC_SCOPE = 'public' satisfies RouteScope;
