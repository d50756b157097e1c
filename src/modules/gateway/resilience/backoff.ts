import type { ResilienceSettings } from '../gateway-settings.ts';

/**
 * How long to wait before retry number `retry` (0 for the first retry): "full jitter", a uniform draw in
 * [0, min(maxDelay, baseDelay * 2^retry)], so many clients failing together do not retry together. A
 * provider's `Retry-After` replaces the draw; one longer than `maxRetryAfterMs`, or than the time left,
 * means "do not retry here" (undefined).
 */
export function retryDelayMs(
  retry: number,
  retryAfterMs: number | undefined,
  remainingMs: number,
  settings: Pick<ResilienceSettings, 'baseDelayMs' | 'maxDelayMs' | 'maxRetryAfterMs'>,
  random: () => number = Math.random,
): number | undefined {
  if (retryAfterMs !== undefined) {
    if (retryAfterMs > settings.maxRetryAfterMs || retryAfterMs >= remainingMs) return undefined;
    return retryAfterMs;
  }
  const ceiling = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** retry);
  const delay = Math.floor(random() * ceiling);
  return delay >= remainingMs ? undefined : delay;
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
