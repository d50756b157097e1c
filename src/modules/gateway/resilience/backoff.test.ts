import { describe, expect, it } from 'vitest';
import { retryDelayMs, sleep } from './backoff.ts';
import { retryAfterMsOf } from './failure.ts';

const settings = { baseDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 5_000 };

describe('retryDelayMs (full jitter)', () => {
  it('draws uniformly below a ceiling that doubles each retry and is capped', () => {
    expect(retryDelayMs(0, undefined, 60_000, settings, () => 0.999)).toBe(99);
    expect(retryDelayMs(1, undefined, 60_000, settings, () => 0.999)).toBe(199);
    expect(retryDelayMs(3, undefined, 60_000, settings, () => 0.999)).toBe(799);
    expect(retryDelayMs(10, undefined, 60_000, settings, () => 0.999)).toBe(999);
    expect(retryDelayMs(2, undefined, 60_000, settings, () => 0)).toBe(0);
  });

  it("honours the provider's Retry-After instead of the draw", () => {
    expect(retryDelayMs(0, 2_000, 60_000, settings, () => 0.5)).toBe(2_000);
  });

  it('gives up instead of waiting longer than allowed or than the time left', () => {
    expect(retryDelayMs(0, 6_000, 60_000, settings)).toBeUndefined();
    expect(retryDelayMs(0, 2_000, 1_500, settings)).toBeUndefined();
    expect(retryDelayMs(5, undefined, 10, settings, () => 0.9)).toBeUndefined();
  });
});

describe('retryAfterMsOf', () => {
  it('reads seconds, an HTTP date and retry-after-ms', () => {
    expect(retryAfterMsOf({ 'retry-after': '3' })).toBe(3_000);
    expect(retryAfterMsOf({ 'retry-after': '0.5' })).toBe(500);
    expect(retryAfterMsOf({ 'retry-after-ms': '250', 'retry-after': '9' })).toBe(250);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMsOf({ 'retry-after': 'Thu, 01 Jan 2026 00:00:04 GMT' }, now)).toBe(4_000);
    expect(retryAfterMsOf({ 'retry-after': 'Wed, 31 Dec 2025 00:00:00 GMT' }, now)).toBe(0);
  });

  it('ignores what it cannot read', () => {
    expect(retryAfterMsOf(undefined)).toBeUndefined();
    expect(retryAfterMsOf({})).toBeUndefined();
    expect(retryAfterMsOf({ 'retry-after': 'soon' })).toBeUndefined();
  });
});

describe('sleep', () => {
  it('rejects with the abort reason as soon as the signal aborts', async () => {
    const controller = new AbortController();
    const waiting = sleep(60_000, controller.signal);
    controller.abort(new Error('client left'));
    await expect(waiting).rejects.toThrow('client left');
  });
});
