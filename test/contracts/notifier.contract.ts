import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Notifier } from '../../src/platform/jobs/index.ts';

export interface NotifierPair {
  /** Publishes. */
  readonly publisher: Notifier;
  /** Listens: another process's notifier in a deployment (the same one when everything is in process). */
  readonly listener: Notifier;
  close(): Promise<void>;
}

function channel(): string {
  return `keel_test_${randomBytes(5).toString('hex')}`;
}

function collect(notifier: Notifier, name: string) {
  const received: (string | undefined)[] = [];
  const unsubscribe = notifier.subscribe(name, (payload) => received.push(payload));
  return { received, unsubscribe };
}

/** What every Notifier adapter must do; each adapter's test runs it. */
export function describeNotifierContract(name: string, open: () => Promise<NotifierPair>): void {
  describe(`Notifier contract: ${name}`, () => {
    let pair: NotifierPair;
    beforeAll(async () => {
      pair = await open();
    });
    afterAll(async () => pair?.close());

    it('delivers a publish to a subscriber of the channel, and not to others', async () => {
      const target = channel();
      const other = channel();
      const listening = collect(pair.listener, target);
      const elsewhere = collect(pair.listener, other);
      await settle();
      pair.publisher.publish(target, 'job-1');
      await expect.poll(() => listening.received).toEqual(['job-1']);
      expect(elsewhere.received).toEqual([]);
      listening.unsubscribe();
      elsewhere.unsubscribe();
    });

    it('coalesces publishes made in one tick: each payload once, in order', async () => {
      const target = channel();
      const listening = collect(pair.listener, target);
      await settle();
      for (const payload of ['a', 'b', 'a', 'c', 'b']) pair.publisher.publish(target, payload);
      await expect.poll(() => listening.received.length).toBe(3);
      expect(listening.received).toEqual(['a', 'b', 'c']);
      listening.unsubscribe();
    });

    // Chunks may travel on different connections, so only the set is promised: payloads are hints.
    it('splits a large burst without losing a payload', async () => {
      const target = channel();
      const listening = collect(pair.listener, target);
      await settle();
      const payloads = Array.from(
        { length: 600 },
        (_, index) => `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
      );
      for (const payload of payloads) pair.publisher.publish(target, payload);
      await expect.poll(() => listening.received.length).toBe(payloads.length);
      expect([...listening.received].sort()).toEqual(payloads);
      listening.unsubscribe();
    });

    it('stops delivering after unsubscribe', async () => {
      const target = channel();
      const listening = collect(pair.listener, target);
      const witness = collect(pair.listener, target);
      await settle();
      listening.unsubscribe();
      pair.publisher.publish(target, 'after');
      await expect.poll(() => witness.received).toEqual(['after']);
      expect(listening.received).toEqual([]);
      witness.unsubscribe();
    });

    it('refuses a channel name that is not a keel_ identifier', () => {
      expect(() => pair.publisher.publish('jobs; drop table job', 'x')).toThrow(TypeError);
    });
  });
}

/** Lets a subscription reach the server (LISTEN, SUBSCRIBE) before the test publishes. */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 150));
}
