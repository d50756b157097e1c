import { existsSync } from 'node:fs';
import type { SuiteOptions } from 'vitest';

/**
 * The one place a test says what it needs to run and why it skips otherwise. The tier summary printed at
 * the end of `npm test` (test/support/tier-summary-reporter.ts) counts skipped tests by the reason given
 * here, so nothing is skipped silently. PostgreSQL and Redis come from DATABASE_URL and REDIS_URL, which
 * test/support/services-global-setup.ts fills in when the services answer on their default addresses.
 */
declare module 'vitest' {
  interface TaskMeta {
    /** Why the test (or every test of the suite) did not run; read by the tier summary. */
    skipReason?: string;
  }
}

/** Where `keel serve`-style browser tests find Debian's chromium (never a downloaded one). */
export const CHROMIUM = '/usr/bin/chromium';

export type Need = 'postgres' | 'redis' | 'chromium';

/** Why each need is unmet in this test process, or undefined when it is met. */
function unmet(need: Need): string | undefined {
  switch (need) {
    case 'postgres':
      return process.env.DATABASE_URL
        ? undefined
        : (process.env.KEEL_TEST_POSTGRES_SKIP ?? 'DATABASE_URL is not set');
    case 'redis':
      return process.env.REDIS_URL ? undefined : (process.env.KEEL_TEST_REDIS_SKIP ?? 'REDIS_URL is not set');
    case 'chromium':
      return existsSync(CHROMIUM) ? undefined : `${CHROMIUM} not found (apt-get install -y chromium)`;
  }
}

/** Options for `describe`/`it` that skip, with the reason recorded, unless every need is met. */
export function requires(...needs: readonly Need[]): SuiteOptions {
  const reasons = needs.map(unmet).filter((reason) => reason !== undefined);
  return skipUnless(reasons.length === 0, reasons.join('; '));
}

/** `options` (a timeout, say) plus `requires(...needs)`. */
export function requiresWith(options: SuiteOptions, ...needs: readonly Need[]): SuiteOptions {
  return { ...options, ...requires(...needs) };
}

/** Options for `describe`/`it` that skip, with `reason` recorded, unless `condition` holds. */
export function skipUnless(condition: boolean, reason: string): SuiteOptions {
  return condition ? {} : { skip: true, meta: { skipReason: reason } };
}

/** Whether a need is unmet (for code outside `describe`/`it` options, such as a helper's guard). */
export function lacks(need: Need): boolean {
  return unmet(need) !== undefined;
}
