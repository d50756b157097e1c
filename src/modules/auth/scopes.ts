import type { RouteScope } from '../../platform/http/index.ts';

/** `admin`, `capability:generate`, `capability:*`, `documents:read`, `jobs:write`, `metrics:read`, ... */
export const SCOPE_PATTERN = /^(?:admin|[a-z][a-z0-9-]*:(?:\*|[a-z0-9][a-z0-9-]*))$/;

export const ADMIN_SCOPE = 'admin';

/**
 * Whether scopes grant a route's scope: an exact match, a `<family>:*` wildcard, or `admin`, which grants
 * everything. `public` needs nothing; a route that declared no scope needs `admin`.
 */
export function grants(scopes: readonly string[], required: RouteScope | undefined): boolean {
  const needed = required ?? ADMIN_SCOPE;
  if (needed === 'public') return true;
  if (scopes.includes(ADMIN_SCOPE) || scopes.includes(needed)) return true;
  const separator = needed.indexOf(':');
  return separator > 0 && scopes.includes(`${needed.slice(0, separator)}:*`);
}
