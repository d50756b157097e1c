import { tmpdir } from 'node:os';
import path from 'node:path';
import { defineConfig } from 'vitest/config';
import {
  filesByTier,
  needsFreshModuleGraph,
  UNIT_ISOLATED_PROJECT,
} from './test/support/tier-definitions.ts';

const tiers = filesByTier();

// Node's compile cache for every process the suite starts (vitest workers inherit it from here; `keel`
// child processes get it from test/support/keel-process.ts): the end-to-end tests start `keel` dozens of
// times, and each start otherwise compiles the same few thousand modules again.
process.env.NODE_COMPILE_CACHE ??= path.join(tmpdir(), 'keel-test-compile-cache');
// Likewise a cluster made by initdb once, loaded by every new embedded database the suite opens (in tests
// and in `keel` child processes) instead of initdb's ~7 s of CPU each time (decision 0155).
process.env.KEEL_CACHE_DIR ??= path.join(tmpdir(), 'keel-test-cache');

export default defineConfig({
  test: {
    // PGlite instances and child processes need more than the default 5 s on a loaded 2-core machine.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // vitest's default for `run` is one worker fewer than the cores: a single worker on a 2-core machine,
    // which left one core idle through the whole suite (most files wait on processes, PGlite or sockets).
    maxWorkers: '100%',
    // Finds PostgreSQL and Redis on their default addresses when DATABASE_URL/REDIS_URL are unset.
    globalSetup: ['test/support/services-global-setup.ts'],
    setupFiles: ['test/support/services-environment.ts'],
    reporters: ['default', './test/support/tier-summary-reporter.ts'],
    // One project per tier (test/support/tier-definitions.ts): `npm test -- --project unit`.
    projects: [
      // The unit tier shares one module graph per worker, as the http tier does: a fresh worker per file
      // loaded the same modules again for each of its ~90 files (119 s of CPU for the tier, 31 s shared,
      // measured side by side). Files that mock modules (vi.mock) or say they need a fresh graph (the
      // OpenAPI freshness check: schema ids other files register change the document) keep one each;
      // `--project 'unit*'` selects both.
      {
        extends: true,
        test: {
          name: 'unit',
          include: tiers.unit.filter((file) => !needsFreshModuleGraph(file)),
          isolate: false,
        },
      },
      {
        extends: true,
        test: { name: UNIT_ISOLATED_PROJECT, include: tiers.unit.filter(needsFreshModuleGraph) },
      },
      // The app's tier shares one module graph per worker instead of loading the app's few thousand
      // modules again for each of its 50 files: most of their time was imports, not tests. These files
      // keep no state in modules (each builds its own app, stores and clock) and mock no module.
      { extends: true, test: { name: 'http', include: tiers.http, isolate: false } },
      // Real databases, one module graph per worker as well: each file opens and closes its own databases,
      // and a shared worker compiles PGlite's WebAssembly once instead of once per file (the tier: 175 -> 98 s
      // of CPU, 166 -> 108 s wall, same 294 tests, measured side by side).
      { extends: true, test: { name: 'integration', include: tiers.integration, isolate: false } },
      // Real processes: their files share one module graph per worker too. What they test runs in child
      // processes; the files keep no state in modules but the set of children to kill at exit, change no
      // environment and mock nothing. A fresh worker per file cost about 1 s of CPU each (the suite: 526 -> 499
      // s of CPU, 325 -> 304 s wall, same machine, consecutive runs).
      { extends: true, test: { name: 'e2e', include: tiers.e2e, isolate: false } },
      // Browsers: a fresh worker per file, as before.
      { extends: true, test: { name: 'browser', include: tiers.browser } },
    ],
  },
});
