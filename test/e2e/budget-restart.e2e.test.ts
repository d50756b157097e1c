import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/platform/db/index.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../fixtures/fake-openai/index.ts';
import { embeddedTarget } from '../support/embedded-database.ts';
import { type KeelProcess, startKeel, temporaryDirectory } from '../support/keel-process.ts';

/**
 * A key's spend budget survives a restart even when the request log lost the rows that recorded the
 * spend (issue 17, item 3: a poisoned write-behind batch used to drop every tenant's rows, and budgets
 * were rebuilt from them). Embedded mode, counters in process: spent, stop, wipe the request log, start
 * again, and the key is still refused.
 */
const ADMIN_KEY = 'keel-admin-key-for-the-budget-e2e-0123';

describe('a budget after a restart with its request-log rows lost', () => {
  let upstream: FakeOpenAI;
  let directory: Awaited<ReturnType<typeof temporaryDirectory>>;
  let keel: KeelProcess | undefined;
  let dataDir: string;
  // Load shedding off: a busy test machine must not turn a budget answer into a 503.
  const environment = () => ({
    KEEL_DATA_DIR: dataDir,
    KEEL_ADMIN_KEY: ADMIN_KEY,
    KEEL_MAX_EVENT_LOOP_DELAY_MS: '0',
  });

  beforeAll(async () => {
    directory = await temporaryDirectory();
    dataDir = path.join(directory.path, 'data');
    upstream = await startFakeOpenAI({ reply: () => 'one two three four' });
    // Ten cents an output token, input free: a call of a few tokens costs a good part of the $1 budget.
    await writeFile(
      path.join(directory.path, 'keel.config.ts'),
      `export default { models: {
        providers: { fake: { kind: 'openai-compatible', baseUrl: '${upstream.url}' } },
        aliases: { default: 'fake:fake-model' },
        prices: { 'fake:fake-model': { input: 0, output: 100000 } },
      } };\n`,
    );
    keel = await startKeel(environment(), directory.path);
  }, 180_000);
  afterAll(async () => {
    await keel?.stop();
    await upstream?.close();
    await directory?.remove();
  });

  it('still refuses the key', async () => {
    if (!keel) throw new Error('keel did not start');
    const created = await fetch(`${keel.url}/v1/admin/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'budgeted',
        scopes: ['capability:*'],
        limits: { budget: { usd: 1, period: 'month' } },
      }),
    });
    const { token } = (await created.json()) as { token: string };
    expect(token, 'the key was created').toEqual(expect.any(String));
    const generate = async (process: KeelProcess) =>
      fetch(`${process.url}/v1/generate`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ user_input: 'count to four', max_tokens: 5 }),
      });

    const statuses: number[] = [];
    for (let call = 0; call < 10 && !statuses.includes(429); call += 1) {
      statuses.push((await generate(keel)).status);
    }
    expect(statuses.filter((status) => status === 200).length).toBeGreaterThan(0);
    expect(statuses.at(-1)).toBe(429);

    // SIGTERM flushes both write-behind queues; then the request log loses every row.
    expect(await keel.stop()).toBe(0);
    keel = undefined;
    const database = await openDatabase(embeddedTarget(dataDir));
    try {
      await database.db.deleteFrom('request_log').execute();
    } finally {
      await database.close();
    }

    keel = await startKeel(environment(), directory.path);
    const after = await generate(keel);
    expect(after.status).toBe(429);
    expect(((await after.json()) as { code?: string }).code).toBe('LIMIT_BUDGET_EXHAUSTED');
  }, 300_000);
});
