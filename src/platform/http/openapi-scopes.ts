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
    routes.map((route) => [
      `${route.method.toLowerCase()} ${route.url.replace(/:(\w+)/g, '{$1}')}`,
      route.scope,
    ]),
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
      const scope = scopes.get(`${method} ${path}`) ?? 'admin';
      operation[SCOPE_EXTENSION] = scope;
      operation.security = scope === PUBLIC_SCOPE ? [] : [{ bearerAuth: [] }];
    }
  }
  return input;
}
