/**
 * Where cached model responses live: the process (embedded) or Redis (shared by every Keel process).
 * Values are opaque JSON text; entries expire after their TTL. A store that fails answers as a miss:
 * the cache is an optimisation and never the reason a call fails.
 */
export interface ResponseCacheStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  close(): Promise<void>;
}
