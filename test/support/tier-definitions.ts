import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The suite's tiers, as vitest projects (`npm test -- --project unit`). A test file belongs to exactly one:
 * - browser: drives Debian's chromium (`*.browser.test.ts`, the console end-to-end test);
 * - e2e: real `keel` processes (`test/e2e/*.e2e.test.ts`);
 * - integration: real databases and services (`*.int.test.ts`: PGlite always, PostgreSQL and Redis when
 *   they answer);
 * - http: the real Fastify app with in-memory adapters (files that build it through
 *   test/support/test-app.ts, documents-app.ts or src/main/build-app.ts) and mock no module: this tier
 *   shares modules between files (vitest.config.ts), where a module mock would leak;
 * - unit: everything else, in process. Its files share one module graph per worker (vitest project `unit`)
 *   except those that need a fresh one (project `unit-isolated`, `tierProjectOf`): files that mock modules,
 *   and files marked `// vitest: fresh module graph` with their reason.
 * Membership of http is read from the file's imports so a new test lands in the right tier on its own.
 */
export const TIER_NAMES = ['unit', 'http', 'integration', 'e2e', 'browser'] as const;
export type TierName = (typeof TIER_NAMES)[number];

const ROOT = path.resolve(import.meta.dirname, '../..');
const BROWSER = /\.browser\.test\.ts$|^test\/e2e\/console\.e2e\.test\.ts$/;
const E2E = /^test\/e2e\/.*\.test\.ts$/;
const INTEGRATION = /\.int\.test\.ts$/;
const BUILDS_THE_APP = /support\/(test-app|documents-app)\.ts'|main\/build-app\.ts'|main\/api\.ts'/;
const MOCKS_MODULES = /\bvi\.(mock|doMock|resetModules)\(/;
const WANTS_FRESH_GRAPH = /^\/\/ vitest: fresh module graph\b/m;

/** The vitest project of the unit tier whose files each get a fresh worker; it counts as `unit`. */
export const UNIT_ISOLATED_PROJECT = 'unit-isolated';

function testFiles(directory: string): string[] {
  return readdirSync(path.join(ROOT, directory), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.test.ts') && !file.split(path.sep).includes('node_modules'))
    .map((file) => path.posix.join(directory, file.split(path.sep).join('/')));
}

export function tierOf(file: string): TierName {
  if (BROWSER.test(file)) return 'browser';
  if (E2E.test(file)) return 'e2e';
  if (INTEGRATION.test(file)) return 'integration';
  const source = readFileSync(path.join(ROOT, file), 'utf8');
  if (BUILDS_THE_APP.test(source) && !MOCKS_MODULES.test(source)) return 'http';
  return 'unit';
}

/** Whether a unit file needs a module graph of its own (it mocks modules, or says why it needs one). */
export function needsFreshModuleGraph(file: string): boolean {
  const source = readFileSync(path.join(ROOT, file), 'utf8');
  return MOCKS_MODULES.test(source) || WANTS_FRESH_GRAPH.test(source);
}

/** The tier a vitest project's files belong to. */
export function tierOfProject(project: string): TierName | undefined {
  if (project === UNIT_ISOLATED_PROJECT) return 'unit';
  return (TIER_NAMES as readonly string[]).includes(project) ? (project as TierName) : undefined;
}

/** Every test file of the repository (relative, POSIX separators) by tier. */
export function filesByTier(): Record<TierName, string[]> {
  const tiers: Record<TierName, string[]> = { unit: [], http: [], integration: [], e2e: [], browser: [] };
  for (const file of [...testFiles('src'), ...testFiles('test')]) tiers[tierOf(file)].push(file);
  return tiers;
}
