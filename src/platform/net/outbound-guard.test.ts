import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type AddressClass, classifyAddress } from './address-class.ts';
import {
  type Connector,
  createOutboundFetch,
  OutboundTargetRefused,
  type Resolver,
} from './outbound-fetch.ts';
import { createOutboundPolicy, isAllowEntry } from './outbound-policy.ts';

/**
 * Issue 17 item 5: requests to user-chosen URLs never reach non-public addresses unless allowed. No test
 * here sends traffic anywhere but loopback: host names resolve through an injected resolver, and the
 * connector is a spy that (when a connection is allowed) connects to a local receiver whatever address
 * was checked, recording that address.
 */

const PUBLIC_V4 = '93.184.216.34';
const PUBLIC_V6 = '2606:2800:220:1:248:1893:25c8:1946';

let receiver: Server;
let receiverPort: number;
const received: Array<{ method: string; url: string; headers: IncomingHttpHeaders; body: string }> = [];

beforeAll(async () => {
  receiver = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      body += chunk;
    });
    request.on('end', () => {
      received.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
      response.writeHead(202, { 'x-receiver': 'local' }).end('accepted');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverPort = (receiver.address() as AddressInfo).port;
});
afterAll(() => new Promise((resolve) => receiver.close(resolve)));

const names: Record<string, readonly string[]> = {
  'internal.test': ['10.1.2.3'],
  'metadata.test': ['169.254.169.254'],
  'localhost.test': ['127.0.0.1'],
  'ula.test': ['fd12:3456::1'],
  'linklocal6.test': ['fe80::1'],
  'mapped.test': ['::ffff:127.0.0.1'],
  'cgnat.test': ['100.64.0.7'],
  // One public and one private record: refused, since either could be the one connected to.
  'mixed.test': [PUBLIC_V4, '192.168.0.10'],
  'public.test': [PUBLIC_V4],
  'public6.test': [PUBLIC_V6],
  'hooks.internal': ['10.9.8.7'],
};

function harness(allow: readonly string[] = []) {
  const resolve = vi.fn<Resolver>(async (host) => {
    const addresses = names[host];
    if (!addresses) throw Object.assign(new Error(`ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address }));
  });
  // Stands in for the network: records the checked target, then reaches the local receiver.
  const connector = vi.fn<Connector>(() => connect({ host: '127.0.0.1', port: receiverPort }));
  const fetch = createOutboundFetch({ policy: createOutboundPolicy(allow), resolve, connect: connector });
  return { fetch, resolve, connector };
}

async function refusalOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'sent';
  } catch (error) {
    return error instanceof OutboundTargetRefused ? error.reason : `other: ${String(error)}`;
  }
}

const refusedTargets: ReadonlyArray<readonly [url: string, reason: string]> = [
  ['http://127.0.0.1:5432/', 'loopback'],
  ['http://[::1]:8080/hook', 'loopback'],
  ['http://0x7f000001/', 'loopback'],
  ['http://127.1/', 'loopback'],
  ['http://017700000001/', 'loopback'],
  ['http://2130706433/', 'loopback'],
  ['http://0/', 'unspecified'],
  ['http://0.0.0.0:6379/', 'unspecified'],
  ['http://[::]/', 'unspecified'],
  ['http://[::ffff:127.0.0.1]/', 'loopback'],
  ['http://[::ffff:10.0.0.1]/', 'private'],
  ['http://169.254.169.254/latest/meta-data/', 'link-local'],
  ['http://10.0.0.1/', 'private'],
  ['http://172.16.5.4/', 'private'],
  ['http://192.168.1.1/', 'private'],
  ['http://100.64.0.1/', 'carrier-grade-nat'],
  ['http://[fd00::1]/', 'unique-local'],
  ['http://[fe80::1]/', 'link-local'],
  ['http://224.0.0.1/', 'multicast'],
  ['http://[64:ff9b::7f00:1]/', 'translated'],
  ['http://[2002:7f00:1::]/', 'translated'],
  ['https://internal.test/hook', 'private'],
  ['https://metadata.test/', 'link-local'],
  ['http://localhost.test:5432/', 'loopback'],
  ['http://ula.test/', 'unique-local'],
  ['http://linklocal6.test/', 'link-local'],
  ['http://mapped.test/', 'loopback'],
  ['http://cgnat.test/', 'carrier-grade-nat'],
  ['http://mixed.test/', 'private'],
  ['http://nowhere.test/', 'unresolvable'],
  ['ftp://public.test/', 'scheme'],
  ['file:///etc/passwd', 'scheme'],
];

describe('outbound guard', () => {
  it.each(refusedTargets)('refuses %s (%s) without opening a connection', async (url, reason) => {
    const { fetch, connector } = harness();
    expect(await refusalOf(fetch(url, { method: 'POST', body: '{}' }))).toBe(reason);
    expect(connector).not.toHaveBeenCalled();
  });

  it.each([
    ['http://public.test/hooks?x=1', PUBLIC_V4, 'public.test'],
    ['https://public6.test/hooks', PUBLIC_V6, 'public6.test'],
    [`http://${PUBLIC_V4}:8443/hooks`, PUBLIC_V4, undefined],
  ])(
    'sends to a public target %s, connecting to the address it checked',
    async (url, address, servername) => {
      const { fetch, connector } = harness();
      const secure = url.startsWith('https');
      // The spy connector hands back a plain local socket (TLS is the real connector's job), so even the
      // https case reaches the local receiver; what matters is the address and server name it was given.
      const before = received.length;
      const response = await fetch(url, { method: 'POST', headers: { 'x-test': '1' }, body: '{"a":1}' });
      expect(response.status).toBe(202);
      expect(await response.text()).toBe('accepted');
      const target = new URL(url);
      expect(received[before]).toMatchObject({
        method: 'POST',
        url: target.pathname + target.search,
        body: '{"a":1}',
      });
      expect(received[before]?.headers.host).toBe(target.host);
      expect(received[before]?.headers['x-test']).toBe('1');
      expect(connector).toHaveBeenCalledTimes(1);
      expect(connector.mock.calls[0]?.[0]).toMatchObject({ address, servername, secure });
    },
  );

  it('resolves once and connects to the checked address, so a name that rebinds after the check cannot redirect it', async () => {
    let answers = 0;
    const resolve = vi.fn<Resolver>(async () => {
      answers += 1;
      return [{ address: answers === 1 ? PUBLIC_V4 : '127.0.0.1' }];
    });
    const connector = vi.fn<Connector>(() => connect({ host: '127.0.0.1', port: receiverPort }));
    const fetch = createOutboundFetch({ policy: createOutboundPolicy(), resolve, connect: connector });
    expect((await fetch('http://rebind.test/', { method: 'POST', body: '' })).status).toBe(202);
    expect(resolve).toHaveBeenCalledTimes(1);
    expect(connector.mock.calls[0]?.[0].address).toBe(PUBLIC_V4);
    // The second time the name answers loopback, and is refused before any connection.
    expect(await refusalOf(fetch('http://rebind.test/', { method: 'POST', body: '' }))).toBe('loopback');
    expect(connector).toHaveBeenCalledTimes(1);
  });

  it('lets the allow-list open CIDRs, single addresses and host names, and nothing else', async () => {
    const { fetch, connector } = harness(['127.0.0.0/8', '::1', '*.internal']);
    expect((await fetch(`http://127.0.0.1:${receiverPort}/allowed`, { method: 'POST' })).status).toBe(202);
    expect((await fetch('http://hooks.internal/allowed', { method: 'POST' })).status).toBe(202);
    expect(connector.mock.calls.map((call) => call[0].address)).toEqual(['127.0.0.1', '10.9.8.7']);
    expect(await refusalOf(fetch('http://internal.test/', { method: 'POST' }))).toBe('private');
    expect(await refusalOf(fetch('http://169.254.169.254/', { method: 'POST' }))).toBe('link-local');
    expect(connector).toHaveBeenCalledTimes(2);
  });

  it("gives up on a resolver that never answers at the request's deadline, without connecting", async () => {
    const connector = vi.fn<Connector>(() => connect({ host: '127.0.0.1', port: receiverPort }));
    const fetch = createOutboundFetch({
      policy: createOutboundPolicy(),
      resolve: () => new Promise(() => {}),
      connect: connector,
    });
    await expect(
      fetch('http://slow.test/', { method: 'POST', signal: AbortSignal.timeout(50) }),
    ).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(connector).not.toHaveBeenCalled();
  });

  it('does not follow redirects', async () => {
    const redirecting = createServer((_request, response) => {
      response.writeHead(302, { location: 'http://127.0.0.1:1/' }).end();
    });
    await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', resolve));
    const port = (redirecting.address() as AddressInfo).port;
    const fetch = createOutboundFetch({ policy: createOutboundPolicy(['127.0.0.1']) });
    const response = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(302);
    await new Promise((resolve) => redirecting.close(resolve));
  });

  it('classifies addresses: public ones, and every special-purpose range', () => {
    const table: ReadonlyArray<readonly [string, AddressClass]> = [
      ['8.8.8.8', 'public'],
      ['1.1.1.1', 'public'],
      [PUBLIC_V6, 'public'],
      ['172.32.0.1', 'public'],
      ['100.128.0.1', 'public'],
      ['127.255.255.254', 'loopback'],
      ['0.1.2.3', 'unspecified'],
      ['172.31.255.255', 'private'],
      ['198.18.0.1', 'reserved'],
      ['255.255.255.255', 'reserved'],
      ['192.0.2.1', 'documentation'],
      ['2001:db8::1', 'documentation'],
      ['[::ffff:169.254.169.254]', 'link-local'],
      ['fe80::1%eth0', 'link-local'],
      ['ff02::1', 'multicast'],
      ['::ffff:8.8.8.8', 'public'],
      ['example.com', 'invalid'],
    ];
    for (const [address, kind] of table) expect(classifyAddress(address), address).toBe(kind);
  });

  it('validates allow-list entries', () => {
    for (const entry of ['10.0.0.0/8', '127.0.0.1', 'fd00::/8', '::1', 'hooks.internal', '*.corp.example'])
      expect(isAllowEntry(entry), entry).toBe(true);
    for (const entry of ['10.0.0.0/33', '10.0.0.0/x', 'http://x', 'a b', '*', '-bad-.x', '::1/129'])
      expect(isAllowEntry(entry), entry).toBe(false);
    expect(() => createOutboundPolicy(['10.0.0.0/8', 'not a host'])).toThrow(/not an address/);
  });
});
