import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { verifyWebhook } from '../../src/index.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../fixtures/fake-openai/index.ts';
import { type KeelProcess, startKeel, temporaryDirectory } from '../support/keel-process.ts';

/**
 * A real `keel serve` whose keel.config.ts declares `answer-json@1` (steady-model) as stable and
 * `answer-json@2` (flaky-model, whose output breaks the capability's schema every other call) as a 20%
 * canary: the canary is rolled back automatically within a bounded number of requests, callers served by
 * stable never see an error, and the rollback is recorded as an event and sent to the signed webhook.
 */
const CONFIG = path.resolve(import.meta.dirname, '../fixtures/variants.keel.config.ts');
const ADMIN_KEY = 'keel-admin-key-for-the-variants-e2e-0001';
const SECRET = 'whsec_dmFyaWFudHMtZTJlLXdlYmhvb2stc2VjcmV0LTAx';
const admin = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };
/** At 20%, 10 canary calls take about 50 requests; four times that is the bound. */
const MAX_REQUESTS = 200;

let upstream: FakeOpenAI;
let receiver: Server;
const deliveries: Array<{ headers: Record<string, string | string[] | undefined>; body: string }> = [];
let directory: Awaited<ReturnType<typeof temporaryDirectory>>;
let keel: KeelProcess;

beforeAll(async () => {
  let flaky = 0;
  upstream = await startFakeOpenAI({
    reply: (request) => {
      if (request.model !== 'flaky-model') return '{"answer":"a keel keeps a boat upright"}';
      flaky += 1;
      return flaky % 2 === 0 ? '{"answer":42}' : '{"answer":"ballast"}';
    },
  });
  receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      deliveries.push({ headers: request.headers, body });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const port = (receiver.address() as AddressInfo).port;
  directory = await temporaryDirectory();
  keel = await startKeel(
    {
      KEEL_CONFIG: CONFIG,
      KEEL_DATA_DIR: 'memory://',
      KEEL_ADMIN_KEY: ADMIN_KEY,
      KEEL_EMBEDDINGS: 'off',
      VARIANTS_FAKE_URL: upstream.url,
      KEEL_VARIANTS_WEBHOOK_URL: `http://127.0.0.1:${port}/variants`,
      KEEL_VARIANTS_WEBHOOK_SECRET: SECRET,
      KEEL_OUTBOUND_ALLOW: '127.0.0.1',
    },
    directory.path,
  );
});

afterAll(async () => {
  await keel?.stop();
  await upstream?.close();
  await new Promise((resolve) => receiver?.close(resolve));
  await directory?.remove();
});

async function adminGet(route: string) {
  return (await fetch(`${keel.url}/v1/admin/capabilities/answer-json${route}`, { headers: admin })).json();
}

async function call(subject: string) {
  const response = await fetch(`${keel.url}/v1/answer-json`, {
    method: 'POST',
    headers: { ...admin, 'keel-subject': subject },
    body: JSON.stringify({ question: 'What does a keel do?' }),
  });
  const body = await response.json();
  return {
    status: response.status,
    variant: response.headers.get('keel-variant'),
    code: body.code as string | undefined,
  };
}

describe('a canary failing its schema half the time', () => {
  it('is rolled back automatically; stable callers see no error; the event and webhook are recorded', async () => {
    expect(await adminGet('/traffic')).toMatchObject({
      stable: 'answer-json@1',
      canary: { variant: 'answer-json@2', percent: 20 },
    });
    const served: Array<Awaited<ReturnType<typeof call>>> = [];
    let rolledBackAfter: number | undefined;
    for (let index = 0; index < MAX_REQUESTS && rolledBackAfter === undefined; index++) {
      served.push(await call(`user-${index}`));
      if ((await adminGet('/traffic')).canary === null) rolledBackAfter = served.length;
    }
    expect(rolledBackAfter).toBeDefined();
    const stable = served.filter((each) => each.variant === 'answer-json@1');
    const canary = served.filter((each) => each.variant === 'answer-json@2');
    expect(stable.length).toBeGreaterThanOrEqual(10);
    expect(stable.every((each) => each.status === 200)).toBe(true);
    expect(canary.some((each) => each.code === 'CAPABILITY_OUTPUT_INVALID')).toBe(true);
    // Traffic is back on stable for everyone, the canary's subjects included.
    for (const each of served.filter((one) => one.variant === 'answer-json@2').slice(0, 5)) {
      const again = await call(`user-${served.indexOf(each)}`);
      expect([again.status, again.variant]).toEqual([200, 'answer-json@1']);
    }

    const events = (await adminGet('/variant-events')).items;
    expect(events[0]).toMatchObject({
      type: 'auto-rolled-back',
      variant: 'answer-json@2',
      details: { metric: 'error_rate' },
    });
    await vi.waitFor(
      async () => expect((await adminGet('/variant-events')).items[0].webhook).toBe('delivered'),
      {
        timeout: 10_000,
      },
    );
    const delivery = deliveries.find((each) => JSON.parse(each.body).type === 'variant-auto-rolled-back');
    expect(delivery).toBeDefined();
    expect(verifyWebhook(SECRET, delivery?.headers ?? {}, delivery?.body ?? '')).toBe(true);
    expect(JSON.parse(delivery?.body ?? '{}')).toMatchObject({
      capability: 'answer-json',
      version: 2,
      policy: { canary: null },
    });

    const comparison = await adminGet('/comparison');
    const canaryRow = comparison.variants.find((row: { role: string }) => row.role === 'canary');
    expect(canaryRow.schema_failure_rate.mean).toBeGreaterThan(0.3);
  });
});
