import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parsePrometheusText } from '../../../test/support/prometheus-text.ts';
import { createTelemetry } from './telemetry.ts';

const root = new URL('../../../', import.meta.url);
/** Series Prometheus makes itself, not Keel. */
const PROMETHEUS_SERIES = new Set(['up']);

async function exposedFamilies(): Promise<Set<string>> {
  const telemetry = createTelemetry({ serviceName: 'keel', version: 'test', defaultMetrics: true });
  const families = parsePrometheusText(await telemetry.metrics.registry.metrics());
  await telemetry.shutdown();
  return new Set(families.keys());
}

function metricNames(expressions: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (const expression of expressions) {
    for (const [name] of expression.matchAll(/\b(?:keel|nodejs|process)_[a-z0-9_]+|\bup\b/g)) {
      names.add(name.replace(/_(bucket|count|sum)$/, ''));
    }
  }
  return names;
}

describe('the ready-made dashboard and alerts (docs/)', () => {
  it('the Grafana dashboard only queries metrics Keel exposes', async () => {
    const dashboard = JSON.parse(await readFile(new URL('docs/keel-dashboard.json', root), 'utf8')) as {
      panels: Array<{ targets: Array<{ expr: string }> }>;
    };
    const used = metricNames(dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr)));
    const exposed = await exposedFamilies();
    expect(used.size).toBeGreaterThan(10);
    expect([...used].filter((name) => !exposed.has(name))).toEqual([]);
  });

  it('the alert rules only use metrics Keel exposes', async () => {
    const rules = await readFile(new URL('docs/keel-alerts.yaml', root), 'utf8');
    const expressions = [...rules.matchAll(/^\s+expr: (.+)$/gm)].map((match) => match[1] ?? '');
    expect(expressions.length).toBeGreaterThan(5);
    const exposed = await exposedFamilies();
    const missing = [...metricNames(expressions)].filter(
      (name) => !exposed.has(name) && !PROMETHEUS_SERIES.has(name),
    );
    expect(missing).toEqual([]);
  });
});
