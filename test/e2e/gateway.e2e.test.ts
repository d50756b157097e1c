import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeOpenAI, startFakeOpenAI } from '../fixtures/fake-openai/index.ts';
import { type KeelProcess, startKeel, temporaryDirectory } from '../support/keel-process.ts';

const KEY = 'keel-e2e-admin-key-0123456789abcdef';

describe('keel serve with a configured gateway (aliases, fallback, prices) and the OpenAI surface', () => {
  let primary: FakeOpenAI;
  let backup: FakeOpenAI;
  let keel: KeelProcess;
  let directory: Awaited<ReturnType<typeof temporaryDirectory>>;
  const headers = { authorization: `Bearer ${KEY}` };

  beforeAll(async () => {
    directory = await temporaryDirectory();
    primary = await startFakeOpenAI({ reply: () => 'primary answer' });
    backup = await startFakeOpenAI({ reply: () => 'backup answer' });
    await writeFile(
      path.join(directory.path, 'keel.config.ts'),
      `export default { models: {
        providers: {
          primary: { kind: 'openai-compatible', baseUrl: '${primary.url}' },
          backup: { kind: 'openai-compatible', baseUrl: '${backup.url}' },
        },
        aliases: {
          default: { model: 'primary:fake-model', fallbacks: ['backup:fake-model'] },
          embed: 'primary:fake-embedding',
        },
        prices: { 'backup:fake-model': { input: 1, output: 2 } },
        resilience: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5 },
      } };\n`,
    );
    keel = await startKeel({ KEEL_DATA_DIR: 'memory://', KEEL_ADMIN_KEY: KEY }, directory.path);
  });

  afterAll(async () => {
    await keel?.stop();
    await primary?.close();
    await backup?.close();
    await directory?.remove();
  });

  it('reports the deployments and their circuits in /readyz and /v1/models', async () => {
    const ready = await (await fetch(`${keel.url}/readyz`)).json();
    expect(ready.checks).toContainEqual(
      expect.objectContaining({
        name: 'models',
        ok: true,
        details: expect.objectContaining({
          configured: true,
          provider: 'primary',
          model: 'fake-model',
          deployments: expect.arrayContaining([{ id: 'primary:fake-model', circuit: 'closed' }]),
        }),
      }),
    );
    const models = await (await fetch(`${keel.url}/v1/models`, { headers })).json();
    expect(models.aliases).toContainEqual({
      name: 'default',
      kind: 'language',
      deployments: ['primary:fake-model'],
      fallbacks: ['backup:fake-model'],
      healthy: true,
    });
  });

  it('serves an OpenAI client, falls back when the primary fails, and accounts the call', async () => {
    const client = new OpenAI({ baseURL: `${keel.url}/openai/v1`, apiKey: KEY, maxRetries: 0 });
    expect(
      (
        await client.chat.completions.create({
          model: 'default',
          messages: [{ role: 'user', content: 'hi' }],
        })
      ).choices[0]?.message.content,
    ).toBe('primary answer');
    primary.setDefaultFault({ kind: 'status', status: 503 });
    const { data, response } = await client.chat.completions
      .create({ model: 'default', messages: [{ role: 'user', content: 'hi again' }] })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe('backup answer');
    expect(response.headers.get('x-keel-deployment')).toBe('backup:fake-model');
    const requestId = response.headers.get('x-request-id');
    const calls = await (
      await fetch(`${keel.url}/v1/model-calls?request_id=${requestId}`, { headers })
    ).json();
    expect(calls.items).toEqual([
      expect.objectContaining({
        source: 'openai:chat.completions',
        deployment: 'backup:fake-model',
        attempts: 3,
        retries: 1,
        fallbacks: 1,
        outcome: 'succeeded',
        cost_usd: expect.any(Number),
      }),
    ]);
    primary.setDefaultFault(undefined);
  });

  it('embeds through the embed alias', async () => {
    const client = new OpenAI({ baseURL: `${keel.url}/openai/v1`, apiKey: KEY, maxRetries: 0 });
    const result = await client.embeddings.create({ model: 'embed', input: 'a keel' });
    expect(result.data[0]?.embedding).toHaveLength(8);
  });
});
