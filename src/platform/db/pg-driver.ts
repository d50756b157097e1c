// node-postgres, loaded on first use: an embedded process (no DATABASE_URL) does not load it for Keel's own
// pool (decision 0205; pg-boss still requires it for the job queue). It is a CommonJS package, so `require`
// returns the very module instance a static `import` would.
import { createRequire } from 'node:module';
import type Pg from 'pg';

const load = createRequire(import.meta.url);
let pg: typeof Pg | undefined;

/** `pg` (`Pool`, `Client`), loaded on the first call. */
export function pgDriver(): typeof Pg {
  pg ??= load('pg') as typeof Pg;
  return pg;
}
