import type { RouteSummary } from './http-server.ts';
import { PUBLIC_SCOPE } from './route-scope.ts';

interface Document {
  paths?: Record<string, Record<string, Record<string, unknown>>>;
  components?: Record<string, unknown>;
  [key: string]: unknown;
}

/** The extension naming each operation's API-key scope; clients, the console and the auth matrix test read it. */
export const SCOPE_EXTENSION = 'x-keel-scope';

/**
 * Declares bearer authentication in the document and, on every operation, the scope it needs
 * (`x-keel-scope`) with `security` (none for public operations). Routes that declared no scope need
 * `admin`, as the auth guard enforces.
 */
export function annotateScopes<T>(input: T, routes: readonly RouteSummary[]): T {
  const document = input as Document;
  const scopes = new Map(
    routes.map((route) => [`${route.method.toLowerCase()} ${openApiPath(route.url)}`, route.scope]),
  );
  document.components = {
    ...document.components,
    securitySchemes: {
      bearerAuth: {
        type: 'http',
        scheme: 'bearer',
        description:
          'An API key (`keel_...`) or KEEL_ADMIN_KEY in `Authorization: Bearer <key>`; never in the query string.',
      },
    },
  };
  for (const [path, operations] of Object.entries(document.paths ?? {})) {
    for (const [method, operation] of Object.entries(operations)) {
      const key = `${method} ${path}`;
      // Every documented operation is a registered route; one not found here would otherwise be documented
      // with a scope it does not have.
      if (!scopes.has(key)) throw new Error(`No registered route matches the documented operation ${key}.`);
      const scope = scopes.get(key) ?? 'admin';
      operation[SCOPE_EXTENSION] = scope;
      operation.security = scope === PUBLIC_SCOPE ? [] : [{ bearerAuth: [] }];
    }
  }
  return input;
}

/**
 * A Fastify route URL as the OpenAPI document writes it: `:name` is the parameter `{name}`, and `::` an
 * escaped literal colon (`/items::from-feedback` is `/items:from-feedback`), as @fastify/swagger does.
 */
export function openApiPath(url: string): string {
  return url.replace(/::|:(\w+)/g, (_match, name: string | undefined) =>
    name === undefined ? ':' : `{${name}}`,
  );
}
