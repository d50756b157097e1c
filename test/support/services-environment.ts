import { inject } from 'vitest';

// A setup file: runs in every worker before each test file is imported, so the modules that read
// DATABASE_URL/REDIS_URL at import (test/support/postgres.ts, redis.ts) see what the global setup found.
for (const [name, value] of Object.entries(inject('keelServices') ?? {}))
  if (value !== undefined && process.env[name] === undefined) process.env[name] = value;
