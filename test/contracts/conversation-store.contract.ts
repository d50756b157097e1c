import { beforeEach, describe, expect, it } from 'vitest';
import type {
  ConversationStore,
  NewConversation,
  NewMessage,
} from '../../src/modules/conversations/index.ts';
import { AppError } from '../../src/platform/errors/index.ts';

let counter = 0;
const T0 = new Date('2026-11-21T10:00:00.000Z');

function conversation(overrides: Partial<NewConversation> = {}): NewConversation {
  counter += 1;
  return {
    id: `conv_${counter}_${Math.random().toString(36).slice(2, 8)}`,
    tenantId: 'tenant-a',
    title: `conversation ${counter}`,
    system: null,
    createdAt: T0,
    ...overrides,
  };
}

function turn(text: string, requestId: string, at: Date = T0): NewMessage[] {
  return [
    { role: 'user', content: text, requestId, model: null, usage: null, createdAt: at },
    {
      role: 'assistant',
      content: `reply to ${text}`,
      requestId,
      model: 'mock:m1',
      usage: { inputTokens: 12, outputTokens: 4 },
      createdAt: at,
    },
  ];
}

/** The behaviour every ConversationStore adapter must have; each adapter's test runs it. */
export function describeConversationStoreContract(
  name: string,
  createStore: () => Promise<ConversationStore>,
): void {
  describe(`ConversationStore contract: ${name}`, () => {
    let store: ConversationStore;
    beforeEach(async () => {
      store = await createStore();
    });

    it('stores a conversation with its first messages and shows it to its tenant only', async () => {
      const record = conversation({ system: 'Be brief.' });
      const created = await store.create(record, turn('hello', 'r1'));
      expect(created).toEqual({ ...record, messageCount: 2, updatedAt: T0 });
      expect(await store.get('tenant-a', record.id)).toEqual(created);
      const messages = await store.listMessages('tenant-a', record.id, { after: 0, limit: 10 });
      expect(messages).toEqual([
        { position: 1, ...turn('hello', 'r1')[0] },
        { position: 2, ...turn('hello', 'r1')[1] },
      ]);

      expect(await store.get('tenant-b', record.id)).toBeUndefined();
      expect(await store.listMessages('tenant-b', record.id, { after: 0, limit: 10 })).toEqual([]);
      expect(await store.recentMessages('tenant-b', record.id, 10)).toEqual([]);
      expect((await store.list('tenant-b', { limit: 10 })).items).toEqual([]);
      expect(await store.append('tenant-b', record.id, turn('intruder', 'rx'), { updatedAt: T0 })).toBe(
        undefined,
      );
      expect(await store.delete('tenant-b', record.id)).toBe(false);
      expect((await store.get('tenant-a', record.id))?.messageCount).toBe(2);
    });

    it('appends turns after the last message and keeps or replaces the system prompt', async () => {
      const record = conversation({ system: 'first' });
      await store.create(record, turn('one', 'r1'));
      const later = new Date('2026-11-21T10:05:00.000Z');
      const kept = await store.append('tenant-a', record.id, turn('two', 'r2', later), { updatedAt: later });
      expect(kept).toMatchObject({ messageCount: 4, system: 'first', updatedAt: later, createdAt: T0 });
      const replaced = await store.append('tenant-a', record.id, turn('three', 'r3', later), {
        updatedAt: later,
        system: 'second',
      });
      expect(replaced).toMatchObject({ messageCount: 6, system: 'second' });
      const all = await store.listMessages('tenant-a', record.id, { after: 0, limit: 100 });
      expect(all.map((message) => [message.position, message.role, message.content])).toEqual([
        [1, 'user', 'one'],
        [2, 'assistant', 'reply to one'],
        [3, 'user', 'two'],
        [4, 'assistant', 'reply to two'],
        [5, 'user', 'three'],
        [6, 'assistant', 'reply to three'],
      ]);
      expect(all[3]).toMatchObject({ model: 'mock:m1', usage: { inputTokens: 12, outputTokens: 4 } });
      expect(all[2]).toMatchObject({ model: null, usage: null, requestId: 'r2', createdAt: later });
    });

    it('reads the most recent messages oldest first, and pages messages by position', async () => {
      const record = conversation();
      await store.create(record, turn('m1', 'r1'));
      for (const index of [2, 3, 4]) {
        await store.append('tenant-a', record.id, turn(`m${index}`, `r${index}`), { updatedAt: T0 });
      }
      const recent = await store.recentMessages('tenant-a', record.id, 3);
      expect(recent.map((message) => message.position)).toEqual([6, 7, 8]);
      expect(await store.recentMessages('tenant-a', record.id, 0)).toEqual([]);
      expect((await store.recentMessages('tenant-a', record.id, 100)).length).toBe(8);
      const page = await store.listMessages('tenant-a', record.id, { after: 2, limit: 3 });
      expect(page.map((message) => message.position)).toEqual([3, 4, 5]);
      expect(await store.listMessages('tenant-a', record.id, { after: 8, limit: 3 })).toEqual([]);
    });

    it('gives racing appends to one conversation distinct, consecutive positions', async () => {
      const record = conversation();
      await store.create(record, turn('start', 'r0'));
      await Promise.all(
        Array.from({ length: 12 }, (_, index) =>
          store.append('tenant-a', record.id, turn(`race ${index}`, `race-${index}`), { updatedAt: T0 }),
        ),
      );
      const all = await store.listMessages('tenant-a', record.id, { after: 0, limit: 100 });
      expect(all.map((message) => message.position)).toEqual(Array.from({ length: 26 }, (_, i) => i + 1));
      expect((await store.get('tenant-a', record.id))?.messageCount).toBe(26);
      // Each turn's user message is immediately followed by its own reply.
      for (let index = 0; index < all.length; index += 2) {
        const [user, assistant] = [all[index], all[index + 1]];
        expect(user?.role).toBe('user');
        expect(assistant?.role).toBe('assistant');
        expect(assistant?.requestId).toBe(user?.requestId);
        expect(assistant?.content).toBe(`reply to ${user?.content}`);
      }
    });

    it('refuses a second conversation with an existing id and leaves the first intact', async () => {
      const record = conversation();
      await store.create(record, turn('original', 'r1'));
      await expect(store.create({ ...record, title: 'copy' }, turn('copy', 'r2'))).rejects.toThrow();
      expect(await store.get('tenant-a', record.id)).toMatchObject({ title: record.title, messageCount: 2 });
      const messages = await store.listMessages('tenant-a', record.id, { after: 0, limit: 10 });
      expect(messages.map((message) => message.content)).toEqual(['original', 'reply to original']);
    });

    it('pages conversations newest first, each once, even with equal timestamps', async () => {
      const same = new Date('2026-11-21T11:00:00.000Z');
      const records = [
        conversation({ createdAt: new Date('2026-11-21T09:00:00.000Z') }),
        conversation({ createdAt: same }),
        conversation({ createdAt: same }),
        conversation({ createdAt: same }),
        conversation({ createdAt: new Date('2026-11-21T12:00:00.000Z') }),
      ];
      for (const record of records) await store.create(record, turn('x', record.id));
      await store.create(conversation({ tenantId: 'tenant-b', createdAt: same }), turn('b', 'rb'));
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let pages = 0; pages < 10; pages += 1) {
        const page = await store.list('tenant-a', { limit: 2, cursor });
        seen.push(...page.items.map((item) => item.id));
        if (page.nextCursor === null) break;
        cursor = page.nextCursor;
      }
      const [oldest, first, second, third, newest] = records.map((record) => record.id);
      expect(seen).toEqual([newest, third, second, first, oldest]);
      await expect(store.list('tenant-a', { limit: 2, cursor: 'not-a-cursor' })).rejects.toSatisfy(
        (error: unknown) => error instanceof AppError && error.code === 'CONVERSATIONS_LIST_CURSOR_INVALID',
      );
    });

    it('deletes a conversation with its messages, once', async () => {
      const record = conversation();
      await store.create(record, turn('bye', 'r1'));
      expect(await store.delete('tenant-a', record.id)).toBe(true);
      expect(await store.get('tenant-a', record.id)).toBeUndefined();
      expect(await store.listMessages('tenant-a', record.id, { after: 0, limit: 10 })).toEqual([]);
      expect(await store.append('tenant-a', record.id, turn('late', 'r2'), { updatedAt: T0 })).toBe(
        undefined,
      );
      expect(await store.delete('tenant-a', record.id)).toBe(false);
      // The id is free again, and the new conversation starts at position 1.
      await store.create(record, turn('again', 'r3'));
      const messages = await store.listMessages('tenant-a', record.id, { after: 0, limit: 10 });
      expect(messages.map((message) => message.position)).toEqual([1, 2]);
    });

    it('retention deletes conversations of every tenant not continued since the cutoff, messages included', async () => {
      const cutoff = new Date('2026-11-21T12:00:00.000Z');
      const stale = conversation();
      const staleOther = conversation({ tenantId: 'tenant-b' });
      const continued = conversation();
      const fresh = conversation({ createdAt: new Date('2026-11-21T12:30:00.000Z') });
      for (const record of [stale, staleOther, continued, fresh]) {
        await store.create(record, turn('hi', record.id, record.createdAt));
      }
      const later = new Date('2026-11-21T13:00:00.000Z');
      await store.append('tenant-a', continued.id, turn('still here', 'r9', later), { updatedAt: later });
      expect(await store.deleteInactiveSince(cutoff)).toBe(2);
      expect(await store.get('tenant-a', stale.id)).toBeUndefined();
      expect(await store.get('tenant-b', staleOther.id)).toBeUndefined();
      expect(await store.listMessages('tenant-a', stale.id, { after: 0, limit: 10 })).toEqual([]);
      expect(await store.get('tenant-a', continued.id)).toMatchObject({ messageCount: 4 });
      expect(await store.get('tenant-a', fresh.id)).toBeDefined();
      expect(await store.deleteInactiveSince(cutoff)).toBe(0);
    });
  });
}
