import { describe, expect, it } from 'vitest';
import { admits, describeDecision } from './sliding-window.ts';

const MINUTE = 60_000;

describe('sliding window arithmetic', () => {
  it('weighs the previous window by its overlap', () => {
    const state = { window: 10, elapsedMs: 15_000, current: 0, previous: 10 };
    expect(admits(state, MINUTE, 2, 10)).toBe(true);
    expect(admits(state, MINUTE, 3, 10)).toBe(false);
  });

  it('says how long until a refused cost fits, with no further traffic', () => {
    // 7.5 of the previous window still weighs; 3 more fit once it decays to 7, i.e. after 3 s.
    const decayingPrevious = describeDecision(
      { window: 10, elapsedMs: 15_000, current: 0, previous: 10 },
      MINUTE,
      3,
      10,
      false,
    );
    expect(decayingPrevious.retryAfterSeconds).toBe(3);
    expect(decayingPrevious.resetSeconds).toBe(45);
    // The current window is full: wait for it to end and then decay enough.
    const fullCurrent = describeDecision(
      { window: 10, elapsedMs: 30_000, current: 10, previous: 0 },
      MINUTE,
      1,
      10,
      false,
    );
    expect(fullCurrent.retryAfterSeconds).toBe(36);
    // Never: the cost alone exceeds the limit.
    expect(
      describeDecision({ window: 1, elapsedMs: 0, current: 0, previous: 0 }, MINUTE, 11, 10, false)
        .retryAfterSeconds,
    ).toBe(Number.POSITIVE_INFINITY);
  });

  it('reports what remains after an admitted cost', () => {
    const decision = describeDecision(
      { window: 3, elapsedMs: 0, current: 4, previous: 0 },
      MINUTE,
      2,
      10,
      true,
    );
    expect(decision).toMatchObject({ allowed: true, remaining: 4, retryAfterSeconds: 0, window: 3 });
  });
});
