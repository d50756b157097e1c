// Client libraries of the services Keel can scale out on (PostgreSQL as a server, Redis), loaded on first
// use: an embedded process (no DATABASE_URL, no REDIS_URL) never loads them, which saves start-up time and
// idle memory (decision 0205). Both are CommonJS packages, so `require` returns the very module instance a
// static `import` would, and a synchronous constructor can stay synchronous.
import { createRequire } from 'node:module';
import type * as IORedis from 'ioredis';
import type Pg from 'pg';

const load = createRequire(import.meta.url);
let ioredis: typeof IORedis | undefined;
let pg: typeof Pg | undefined;

/** `ioredis` (its `Redis` class), loaded on the first call. */
export function ioredisDriver(): typeof IORedis {
  ioredis ??= load('ioredis') as typeof IORedis;
  return ioredis;
}

/** `pg` (node-postgres: `Pool`, `Client`), loaded on the first call. */
export function pgDriver(): typeof Pg {
  pg ??= load('pg') as typeof Pg;
  return pg;
}
