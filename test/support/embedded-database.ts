import { IN_MEMORY_DATA_DIR } from '../../src/platform/db/index.ts';

/**
 * The embedded database target tests open: in memory unless a directory is given, with the suite's cluster
 * template cache (vitest.config.ts sets KEEL_CACHE_DIR), so each new database loads a cluster instead of
 * running initdb again.
 */
export function embeddedTarget(dataDir: string = IN_MEMORY_DATA_DIR) {
  const cacheDir = process.env.KEEL_CACHE_DIR;
  return { kind: 'embedded', dataDir, ...(cacheDir && cacheDir !== 'off' ? { cacheDir } : {}) } as const;
}
