import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rateLimitHeaders } from './rate-limit-headers.ts';
import { admits, describeDecision, type WindowState } from './sliding-window.ts';

const MINUTE = 60_000;

/** The window state `ms` later with no traffic in between. */
function laterState(state: WindowState, ms: number): WindowState {
  const at = state.window * MINUTE + state.elapsedMs + ms;
  const window = Math.floor(at / MINUTE);
  const shift = window - state.window;
  const previous = shift === 0 ? state.previous : shift === 1 ? state.current : 0;
  return { window, elapsedMs: at - window * MINUTE, current: shift === 0 ? state.current : 0, previous };
}

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
    expect(decayingPrevious.resetSeconds).toBe(3);
    // The current window is full: wait for it to end and then decay enough.
    const fullCurrent = describeDecision(
      { window: 10, elapsedMs: 30_000, current: 10, previous: 0 },
      MINUTE,
      1,
      10,
      false,
    );
    expect(fullCurrent.retryAfterSeconds).toBe(36);
    expect(fullCurrent.resetSeconds).toBe(36);
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
    // The 6 counted now weigh until the end of the next window.
    expect(decision.resetSeconds).toBe(120);
  });

  it('gives a refusal one figure: RateLimit-Reset equals Retry-After (decision 0154)', () => {
    fc.assert(
      fc.property(
        fc.record({
          elapsedMs: fc.integer({ min: 0, max: MINUTE - 1 }),
          current: fc.integer({ min: 0, max: 50 }),
          previous: fc.integer({ min: 0, max: 50 }),
        }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 40 }),
        (counts, cost, limit) => {
          const state = { window: 7, ...counts };
          const allowed = admits(state, MINUTE, cost, limit);
          const headers = rateLimitHeaders(describeDecision(state, MINUTE, cost, limit, allowed), 60);
          const reset = Number(headers['ratelimit-reset']);
          expect(reset).toBeGreaterThanOrEqual(1);
          if (allowed || cost > limit) {
            expect(headers['retry-after']).toBeUndefined();
          } else {
            expect(headers['retry-after']).toBe(headers['ratelimit-reset']);
            // And it is true: after that long, with no further traffic, the cost fits.
            const later = laterState(state, reset * 1000);
            expect(admits(later, MINUTE, cost, limit)).toBe(true);
          }
        },
      ),
    );
  });
});
