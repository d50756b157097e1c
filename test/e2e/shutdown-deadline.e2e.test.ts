import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KeelProcess, startKeel, temporaryDirectory } from '../support/keel-process.ts';

/**
 * SIGTERM ends `keel serve` at its shutdown deadline whatever sockets are still open. Two kinds are held
 * open here, both out of reach of `server.closeAllConnections()` (Node stops tracking a socket once it
 * leaves the HTTP parser for an upgrade): a WebSocket whose client never answers the server's close frame
 * (the `ws` library would wait 30 s for it, holding the exit), and a refused upgrade request (which,
 * before refused upgrades were closed, stayed open forever and the process outlived its deadline until
 * SIGKILL). The test's own timeout is the only clock: well under those 30 s, far above the deadline.
 */

const SHUTDOWN_TIMEOUT_MS = 500;

describe('keel serve shutdown with sockets left open', () => {
  let keel: KeelProcess;
  let directory: Awaited<ReturnType<typeof temporaryDirectory>>;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    directory = await temporaryDirectory();
    keel = await startKeel(
      { KEEL_DATA_DIR: 'memory://', KEEL_SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS) },
      directory.path,
    );
    // Starting a process on a loaded machine can take a while.
  }, 180_000);
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    if (keel?.child.exitCode === null) keel.child.kill('SIGKILL');
    await directory?.remove();
  });

  /** A raw socket that sends `request` and never answers anything; resolves once `until` is in what came back. */
  async function holdOpen(
    request: string,
    until: string,
  ): Promise<{ closedByServer: Promise<true>; received: () => string }> {
    const { port, hostname } = new URL(keel.url);
    const socket = connect(Number(port), hostname);
    sockets.push(socket);
    let received = '';
    const closedByServer = new Promise<true>((resolve) => {
      socket.once('close', () => resolve(true));
      socket.once('error', () => resolve(true));
    });
    const seen = new Promise<void>((resolve) => {
      socket.on('data', (chunk: Buffer) => {
        received += chunk.toString('latin1');
        if (received.includes(until)) resolve();
      });
    });
    socket.write(request);
    await seen;
    return { closedByServer, received: () => received };
  }

  it('exits 0 at the deadline, having closed every socket itself', { timeout: 20_000 }, async () => {
    const { hostname, port } = new URL(keel.url);
    const created = await fetch(`${keel.url}/v1/generate/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user_input: 'follow me' }),
    });
    expect(created.status).toBe(202);
    const { id } = (await created.json()) as { id: string };
    const websocket = await holdOpen(
      [
        `GET /v1/jobs/${id}/ws HTTP/1.1`,
        `Host: ${hostname}:${port}`,
        'Connection: Upgrade',
        'Upgrade: websocket',
        'Sec-WebSocket-Version: 13',
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
        '',
        '',
      ].join('\r\n'),
      'HTTP/1.1 101',
    );
    const refused = await holdOpen(
      [
        'GET /v1/jobs/not-a-uuid/ws HTTP/1.1',
        `Host: ${hostname}:${port}`,
        'Connection: Upgrade',
        'Upgrade: websocket',
        'Sec-WebSocket-Version: 13',
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
        '',
        '',
      ].join('\r\n'),
      'HTTP/1.1 400',
    );

    keel.child.kill('SIGTERM');
    expect(await keel.exited).toBe(0);
    expect(await websocket.closedByServer).toBe(true);
    expect(await refused.closedByServer).toBe(true);
    expect(keel.logs.map((entry) => entry.msg)).toContain('stopped');
  });
});
