// ioredis, loaded on first use: an embedded process (no REDIS_URL) never loads it, which saves start-up time
// and idle memory (decision 0205). It is a CommonJS package, so `require` returns the very module instance
// a static `import` would, and a synchronous constructor can stay synchronous.
import { createRequire } from 'node:module';
import type * as IORedis from 'ioredis';

const load = createRequire(import.meta.url);
let ioredis: typeof IORedis | undefined;

/** `ioredis` (its `Redis` class), loaded on the first call. */
export function ioredisDriver(): typeof IORedis {
  ioredis ??= load('ioredis') as typeof IORedis;
  return ioredis;
}
