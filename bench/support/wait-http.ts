import { setTimeout as sleep } from 'node:timers/promises';
import type { ChildHandle } from './processes.ts';

/** Polls `url` until it answers 200; fails early if `handle` exits, or after `timeoutMs`. */
export async function waitForHttpOk(url: string, handle: ChildHandle, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    handle.assertRunning();
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.status === 200) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await sleep(100);
  }
  throw new Error(`${handle.name} was not ready at ${url} within ${timeoutMs} ms (last: ${last})`);
}
