import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { jobTestCapabilities } from '../../../test/fixtures/job-capabilities.ts';
import { loopbackWebhooks, memoryJobs } from '../../../test/support/jobs.ts';
import { buildTestApp, type TestApp } from '../../../test/support/test-app.ts';

/**
 * Issue 17 item 5, through the jobs API: a webhook URL that reaches this machine (in any spelling) is
 * refused unless the operator allowed it, without a connection, and the delivery log gives a reason code,
 * never what an internal address answered. Every target here is loopback, so nothing leaves the machine
 * even if the guard were broken; the other ranges are covered with an injected resolver and a spy
 * connector in src/platform/net/outbound-guard.test.ts.
 */

type Json = Record<string, unknown>;
const SECRET = 'whsec-test-0123456789-abcdefghij';

let receiver: Server;
let port: number;
let connections = 0;
let requests = 0;
let status = 204;

beforeAll(async () => {
  receiver = createServer((request, response) => {
    requests += 1;
    request.resume();
    request.on('end', () => response.writeHead(status).end('internal page: db=postgres://10.0.0.5'));
  });
  receiver.on('connection', () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  port = (receiver.address() as AddressInfo).port;
});
afterAll(() => new Promise((resolve) => receiver.close(resolve)));

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
  connections = 0;
  requests = 0;
  status = 204;
});

async function deliveries(target: TestApp, url: string, expected: number): Promise<Json[]> {
  const created = await target.app.inject({
    method: 'POST',
    url: '/v1/jobs',
    payload: { capability: 'echo', input: { text: 'hi' }, webhook: { url, secret: SECRET } },
  });
  expect(created.statusCode).toBe(202);
  const id = (created.json() as Json).id as string;
  let items: Json[] = [];
  await expect
    .poll(
      async () => {
        const log = await target.app.inject({ method: 'GET', url: `/v1/jobs/${id}/webhook-deliveries` });
        items = (log.json() as { items: Json[] }).items;
        return items.filter((item) => item.next_attempt_at === null).length > 0 && items.length >= expected;
      },
      { timeout: 10_000, interval: 20 },
    )
    .toBe(true);
  return items;
}

describe('job webhook targets', () => {
  it.each(['127.0.0.1', '0x7f000001', '127.1', '2130706433', '[::ffff:127.0.0.1]', 'localhost', '0'])(
    'refuses the loopback target http://%s by default: no connection, one attempt, a reason code',
    async (host) => {
      app = await buildTestApp({ capabilities: jobTestCapabilities, jobs: memoryJobs() });
      const url = `http://${host}:${port}/hook`;
      const items = await deliveries(app, url, 1);
      expect(items).toHaveLength(1);
      expect(items[0]).toMatchObject({ outcome: 'failed', response_status: null, next_attempt_at: null });
      expect(String(items[0]?.error)).toMatch(
        /^WEBHOOK_TARGET_REFUSED: the target address is (loopback|unspecified)/,
      );
      expect(connections).toBe(0);
      expect(requests).toBe(0);
    },
  );

  it('delivers to an allow-listed internal receiver', async () => {
    app = await buildTestApp({ capabilities: jobTestCapabilities, jobs: memoryJobs(loopbackWebhooks()) });
    const items = await deliveries(app, `http://127.0.0.1:${port}/hook`, 1);
    expect(items[0]).toMatchObject({ outcome: 'delivered', response_status: 204, error: null });
    expect(requests).toBe(1);
  });

  it('reports failures of an allowed receiver by reason, never with its body or the network error text', async () => {
    status = 500;
    app = await buildTestApp({ capabilities: jobTestCapabilities, jobs: memoryJobs(loopbackWebhooks()) });
    const answered = await deliveries(app, `http://127.0.0.1:${port}/hook`, 4);
    expect(answered.map((item) => item.error)).toEqual(Array(4).fill('WEBHOOK_HTTP_STATUS: HTTP 500'));
    expect(JSON.stringify(answered)).not.toContain('internal page');

    // Nothing listens on the closed port: the log says unreachable, not ECONNREFUSED and the address.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const unreachable = await deliveries(app, `http://127.0.0.1:${closedPort}/hook`, 4);
    for (const item of unreachable) {
      expect(item).toMatchObject({ outcome: 'failed', response_status: null });
      expect(item.error).toBe('WEBHOOK_UNREACHABLE: the receiver could not be reached');
    }
    expect(JSON.stringify(unreachable)).not.toMatch(/ECONNREFUSED|connect /);
  });
});
