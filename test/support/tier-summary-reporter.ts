import type { Reporter, TestModule, Vitest } from 'vitest/node';
import { TIER_NAMES, type TierName, tierOfProject } from './tier-definitions.ts';
import './tiers.ts';

interface TierCount {
  passed: number;
  failed: number;
  /** Skipped tests by reason. */
  skipped: Map<string, number>;
  /** Files that failed before any of their tests ran (an import or a hook outside tests threw). */
  brokenFiles: number;
  files: number;
}

/** Why a test without a recorded reason did not run: a filter of this run, or a bare `.skip`. */
function unexplained(vitest: Vitest): string {
  const { testNamePattern } = vitest.config;
  return testNamePattern ? `filtered out by -t ${String(testNamePattern)}` : 'skipped with no reason given';
}

/** Which services the integration and e2e tiers ran against, from what the global setup found. */
function servicesLine(): string {
  const services = ['PGlite'];
  if (process.env.DATABASE_URL) services.push('PostgreSQL');
  if (process.env.REDIS_URL) services.push('Redis');
  return services.join(', ');
}

export function formatTier(name: TierName, count: TierCount | undefined): string {
  if (!count) return `${name} not selected`;
  if (count.files === 0) return `${name} no files selected`;
  const parts: string[] = [];
  if (count.passed > 0 || (count.failed === 0 && count.skipped.size === 0))
    parts.push(`${count.passed} passed`);
  if (count.failed > 0) parts.push(`${count.failed} failed`);
  if (count.brokenFiles > 0)
    parts.push(`${count.brokenFiles} file${count.brokenFiles === 1 ? '' : 's'} broken`);
  for (const [reason, skipped] of count.skipped) parts.push(`${skipped} skipped: ${reason}`);
  const label = name === 'integration' || name === 'e2e' ? `${name} (${servicesLine()})` : name;
  return `${label} ${parts.join(', ')}`;
}

/**
 * Closes the run with one line saying which tiers ran, how their tests ended, and why anything was
 * skipped, e.g. `tiers: unit 790 passed · … · browser 3 skipped: /usr/bin/chromium not found`.
 */
export default class TierSummaryReporter implements Reporter {
  #vitest: Vitest | undefined;

  onInit(vitest: Vitest): void {
    this.#vitest = vitest;
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const vitest = this.#vitest;
    if (!vitest) return;
    const counts = new Map<TierName, TierCount>();
    for (const project of vitest.projects) {
      const name = tierOfProject(project.name);
      if (name && !counts.has(name))
        counts.set(name, { passed: 0, failed: 0, skipped: new Map(), brokenFiles: 0, files: 0 });
    }
    for (const module of testModules) {
      const tier = tierOfProject(module.project.name);
      const count = tier ? counts.get(tier) : undefined;
      if (!count) continue;
      count.files += 1;
      if (module.state() === 'failed' && module.errors().length > 0) count.brokenFiles += 1;
      for (const test of module.children.allTests()) {
        const result = test.result();
        if (result.state === 'passed') count.passed += 1;
        else if (result.state === 'failed') count.failed += 1;
        else if (result.state === 'skipped') {
          const reason = test.meta().skipReason ?? result.note ?? unexplained(vitest);
          count.skipped.set(reason, (count.skipped.get(reason) ?? 0) + 1);
        }
      }
    }
    const line = TIER_NAMES.map((name) => formatTier(name, counts.get(name))).join(' · ');
    vitest.logger.log(`\n tiers: ${line}\n`);
  }
}
