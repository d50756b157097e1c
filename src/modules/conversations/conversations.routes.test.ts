import { afterEach, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../../test/support/test-app.ts';
import type { NewMessage } from './conversation.ts';
import { MemoryConversationStore } from './memory-conversation-store.ts';

const ADMIN_KEY = 'keel-admin-key-for-conversation-routes-01';

function turn(text: string, index: number, at: Date): NewMessage[] {
  return [
    { role: 'user', content: text, requestId: `r${index}`, model: null, usage: null, createdAt: at },
    {
      role: 'assistant',
      content: `reply ${index}`,
      requestId: `r${index}`,
      model: 'mock:m1',
      usage: { inputTokens: 4, outputTokens: 2 },
      createdAt: at,
    },
  ];
}

async function seed(store: MemoryConversationStore, id: string, turns: number, tenantId = 'default') {
  const at = new Date(Date.UTC(2026, 10, 21, 10, Number(id.replace(/\D/g, '')) || 0));
  await store.create({ id, tenantId, title: `title ${id}`, system: null, createdAt: at }, turn('m0', 0, at));
  for (let index = 1; index < turns; index += 1) {
    await store.append(tenantId, id, turn(`m${index}`, index, at), { updatedAt: at });
  }
}

describe('/v1/conversations', () => {
  let app: TestApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('lists conversations newest first across pages, and rejects a forged cursor', async () => {
    const conversations = new MemoryConversationStore();
    for (const id of ['conv_1', 'conv_2', 'conv_3']) await seed(conversations, id, 1);
    await seed(conversations, 'conv_9', 1, 'someone-else');
    app = await buildTestApp({ conversations });
    const first = await app.app.inject({ method: 'GET', url: '/v1/conversations?limit=2' });
    expect(first.statusCode).toBe(200);
    expect(first.json().items.map((item: { id: string }) => item.id)).toEqual(['conv_3', 'conv_2']);
    expect(first.json().items[0]).toEqual({
      id: 'conv_3',
      title: 'title conv_3',
      system: null,
      message_count: 2,
      created_at: '2026-11-21T10:03:00.000Z',
      updated_at: '2026-11-21T10:03:00.000Z',
    });
    const cursor = first.json().next_cursor as string;
    const second = await app.app.inject({
      method: 'GET',
      url: `/v1/conversations?limit=2&cursor=${encodeURIComponent(cursor)}`,
    });
    expect(second.json()).toMatchObject({ items: [{ id: 'conv_1' }], next_cursor: null });

    const forged = await app.app.inject({ method: 'GET', url: '/v1/conversations?cursor=bm90LWEtY3Vyc29y' });
    expect(forged.statusCode).toBe(400);
    expect(forged.json().code).toBe('CONVERSATIONS_LIST_CURSOR_INVALID');
    const tooMany = await app.app.inject({ method: 'GET', url: '/v1/conversations?limit=201' });
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.json().code).toBe('REQUEST_VALIDATION_FAILED');
  });

  it('reads a conversation’s messages oldest first, a page at a time', async () => {
    const conversations = new MemoryConversationStore();
    await seed(conversations, 'conv_1', 3);
    app = await buildTestApp({ conversations });
    const first = await app.app.inject({ method: 'GET', url: '/v1/conversations/conv_1?limit=4' });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ id: 'conv_1', message_count: 6, next_after: 4 });
    expect(first.json().messages.map((message: { position: number }) => message.position)).toEqual([
      1, 2, 3, 4,
    ]);
    expect(first.json().messages[1]).toEqual({
      position: 2,
      role: 'assistant',
      content: 'reply 0',
      request_id: 'r0',
      model: 'mock:m1',
      usage: { input_tokens: 4, output_tokens: 2 },
      created_at: '2026-11-21T10:01:00.000Z',
    });
    const rest = await app.app.inject({ method: 'GET', url: '/v1/conversations/conv_1?after=4&limit=4' });
    expect(rest.json().messages.map((message: { content: string }) => message.content)).toEqual([
      'm2',
      'reply 2',
    ]);
    expect(rest.json().next_after).toBeNull();
    const bad = await app.app.inject({ method: 'GET', url: '/v1/conversations/conv_1?after=-1' });
    expect(bad.statusCode).toBe(400);
  });

  it('deletes a conversation once; then it is a 404 like any unknown id', async () => {
    const conversations = new MemoryConversationStore();
    await seed(conversations, 'conv_1', 2);
    app = await buildTestApp({ conversations });
    const deleted = await app.app.inject({ method: 'DELETE', url: '/v1/conversations/conv_1' });
    expect(deleted.statusCode).toBe(204);
    expect(await conversations.get('default', 'conv_1')).toBeUndefined();
    for (const method of ['GET', 'DELETE'] as const) {
      const response = await app.app.inject({ method, url: '/v1/conversations/conv_1' });
      expect(response.statusCode).toBe(404);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.json().code).toBe('CONVERSATIONS_NOT_FOUND');
    }
    const malformed = await app.app.inject({ method: 'GET', url: '/v1/conversations/not%20an%20id' });
    expect(malformed.statusCode).toBe(400);
  });

  it('needs the chat scope', async () => {
    const conversations = new MemoryConversationStore();
    await seed(conversations, 'conv_1', 1);
    app = await buildTestApp({ conversations, adminKey: ADMIN_KEY });
    const current = app;
    const tokenWith = async (scopes: string[]) =>
      (await current.keys.create({ name: scopes.join(','), tenantId: 'default', scopes })).token;
    const without = await tokenWith(['documents:read']);
    const withChat = await tokenWith(['capability:chat']);
    for (const [method, url] of [
      ['GET', '/v1/conversations'],
      ['GET', '/v1/conversations/conv_1'],
      ['DELETE', '/v1/conversations/conv_1'],
    ] as const) {
      const refused = await current.app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${without}` },
      });
      expect(refused.statusCode, `${method} ${url}`).toBe(403);
      expect(refused.json().required_scope).toBe('capability:chat');
    }
    const allowed = await current.app.inject({
      method: 'GET',
      url: '/v1/conversations/conv_1',
      headers: { authorization: `Bearer ${withChat}` },
    });
    expect(allowed.statusCode).toBe(200);
  });
});
