import { describe, expect, it } from 'vitest';
import { InProcessNotifier } from '../../platform/jobs/index.ts';
import type { AgentEvent, AgentRunRecord } from './agent.types.ts';
import { createAgentEventFeed, notifyingAgentStore } from './agent-event-feed.ts';
import { MemoryAgentStore } from './memory-agent-store.ts';

describe('following an agent run', () => {
  it('delivers appended events as they are announced, without polling, and ends when the run stops', async () => {
    const notifier = new InProcessNotifier();
    const store = notifyingAgentStore(new MemoryAgentStore(), notifier);
    // The backstop poll is an hour away: only notifications can deliver within this test.
    const feed = createAgentEventFeed(store, notifier, 3_600_000);
    await store.createRun({ id: 'run_1', tenantId: 't1' } as AgentRunRecord);
    const now = new Date();
    await store.appendEvents('t1', 'run_1', [{ type: 'run-started', data: {} }], now);

    const delivered: AgentEvent[] = [];
    let first: () => void = () => {};
    const replayed = new Promise<void>((resolve) => {
      first = resolve;
    });
    const following = feed.follow(
      't1',
      'run_1',
      0,
      async (events) => {
        delivered.push(...events);
        first();
      },
      new AbortController().signal,
    );
    await replayed;
    await store.appendEvents('t1', 'run_1', [{ type: 'text-delta', data: { delta: 'hi' } }], now);
    await store.appendEvents('t1', 'run_1', [{ type: 'run-succeeded', data: {} }], now);

    expect(await following).toBe('finished');
    expect(delivered.map((event) => [event.id, event.type])).toEqual([
      [1, 'run-started'],
      [2, 'text-delta'],
      [3, 'run-succeeded'],
    ]);
    feed.close();
    await notifier.close();
  });

  it('ends a follow with shutdown when the feed closes, and with closed when the client leaves', async () => {
    const notifier = new InProcessNotifier();
    const store = notifyingAgentStore(new MemoryAgentStore(), notifier);
    const feed = createAgentEventFeed(store, notifier, 3_600_000);
    await store.createRun({ id: 'run_2', tenantId: 't1' } as AgentRunRecord);
    const client = new AbortController();
    const left = feed.follow('t1', 'run_2', 0, async () => {}, client.signal);
    const stays = feed.follow('t1', 'run_2', 0, async () => {}, new AbortController().signal);
    client.abort();
    expect(await left).toBe('closed');
    feed.close();
    expect(await stays).toBe('shutdown');
    await notifier.close();
  });
});
