import { describe, expect, it } from 'vitest';
import { decideRollback, LiveWindow, normalQuantile } from './rollback-decision.ts';
import { DEFAULT_AUTO_ROLLBACK } from './variant.types.ts';

function window(calls: number, errors: number, latency = (index: number) => 100 + (index % 10)): LiveWindow {
  const live = new LiveWindow();
  for (let index = 0; index < calls; index++) live.add(index < errors, latency(index));
  return live;
}

describe('decideRollback', () => {
  it('knows the normal quantiles the tests use', () => {
    expect(normalQuantile(0.95)).toBeCloseTo(1.6449, 4);
    expect(normalQuantile(0.99)).toBeCloseTo(2.3263, 4);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 6);
  });

  it('decides nothing before both sides have the minimum sample', () => {
    expect(decideRollback(window(100, 0), window(19, 19), DEFAULT_AUTO_ROLLBACK)).toBeUndefined();
    expect(decideRollback(window(19, 0), window(100, 100), DEFAULT_AUTO_ROLLBACK)).toBeUndefined();
  });

  it('rolls back a canary failing half its calls against a clean stable', () => {
    const reason = decideRollback(window(80, 0), window(20, 10), DEFAULT_AUTO_ROLLBACK);
    expect(reason?.metric).toBe('error_rate');
    expect(reason?.z).toBeGreaterThan(reason?.critical ?? Number.POSITIVE_INFINITY);
    expect(reason?.canary).toMatchObject({ calls: 20, errors: 10, error_rate: 0.5 });
  });

  it('keeps a canary whose error rate is within the allowed increase, or not significantly above it', () => {
    expect(decideRollback(window(200, 4), window(200, 8), DEFAULT_AUTO_ROLLBACK)).toBeUndefined();
    expect(decideRollback(window(20, 0), window(20, 3), DEFAULT_AUTO_ROLLBACK)).toBeUndefined();
    expect(decideRollback(window(50, 0), window(50, 0), DEFAULT_AUTO_ROLLBACK)).toBeUndefined();
  });

  it('rolls back on latency only when configured and clearly slower', () => {
    const slow = window(60, 0, () => 400);
    expect(decideRollback(window(60, 0), slow, DEFAULT_AUTO_ROLLBACK)).toBeUndefined();
    const settings = { ...DEFAULT_AUTO_ROLLBACK, maxLatencyP95Ratio: 2 };
    expect(decideRollback(window(60, 0), slow, settings)?.metric).toBe('latency_p95');
    expect(decideRollback(window(60, 0), window(60, 0), settings)).toBeUndefined();
  });

  it("rolls back on a scorer's mean dropping beyond the margin", () => {
    const settings = { ...DEFAULT_AUTO_ROLLBACK, scorer: { name: 'contains', options: {}, maxDrop: 0.1 } };
    const stable = window(30, 0);
    const canary = window(30, 0);
    for (let index = 0; index < 30; index++) {
      stable.addScore(index % 10 === 0 ? 0 : 1);
      canary.addScore(index % 2 === 0 ? 0 : 1);
    }
    expect(decideRollback(stable, canary, settings)?.metric).toBe('score');
    const same = window(30, 0);
    for (let index = 0; index < 30; index++) same.addScore(index % 10 === 0 ? 0 : 1);
    expect(decideRollback(stable, same, settings)).toBeUndefined();
  });
});
