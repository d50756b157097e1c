import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { isConnectionError } from '../platform/db/index.ts';
import { AppError, PROBLEM_CONTENT_TYPE, platformErrors, toProblem } from '../platform/errors/index.ts';
import type { Logger } from '../platform/logging/index.ts';

/** Waits between attempts at reaching the dependencies: doubling from the first, capped. */
const FIRST_DELAY_MS = 250;
const MAX_DELAY_MS = 2_000;
const RETRY_AFTER_SECONDS = 2;

export interface StartupWaitOptions {
  readonly logger: Logger;
  /** What is being started, for the log (`keel serve`, `keel worker`). */
  readonly what: string;
  /** Called once, at the first failure, so the process can say it is alive but not ready (HTTP). */
  readonly onWaiting?: (error: unknown) => Promise<void>;
}

/**
 * Runs `open` until it succeeds, retrying with backoff while it fails because a dependency (PostgreSQL,
 * Redis) cannot be reached: a process started during an outage waits for its dependencies instead of
 * exiting, so a supervisor does not crash-loop it. Any other failure (bad configuration, a failed
 * migration) is thrown at once.
 */
export async function openWhenReachable<T>(open: () => Promise<T>, options: StartupWaitOptions): Promise<T> {
  let delay = FIRST_DELAY_MS;
  let attempts = 0;
  for (;;) {
    try {
      const opened = await open();
      if (attempts > 0)
        options.logger.info({ attempts: attempts + 1 }, `${options.what}: dependencies reachable`);
      return opened;
    } catch (error) {
      if (!isConnectionError(error)) throw error;
      attempts += 1;
      options.logger.warn(
        { err: error, attempt: attempts, retryInMs: delay },
        `${options.what}: a dependency is unreachable; waiting for it`,
      );
      if (attempts === 1) await options.onWaiting?.(error);
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(MAX_DELAY_MS, delay * 2);
    }
  }
}

/** A listener that answers while `keel serve` waits for its dependencies. */
export interface WaitingServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * While the dependencies are unreachable, `keel serve` listens already: `/healthz` says it is alive, `/readyz`
 * answers 503 not_ready naming the database, every other route a 503 SERVICE_NOT_READY problem with
 * `Retry-After`. The real server takes the same port once the dependencies answer.
 */
export async function listenWhileWaiting(options: {
  readonly host: string;
  readonly port: number;
  readonly version: string;
}): Promise<WaitingServer> {
  const server = http.createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method === 'GET' && path === '/healthz') {
      send(response, 200, 'application/json', { status: 'ok', version: options.version });
      return;
    }
    response.setHeader('retry-after', String(RETRY_AFTER_SECONDS));
    if (request.method === 'GET' && path === '/readyz') {
      send(response, 503, 'application/json', {
        status: 'not_ready',
        checks: [
          {
            name: 'database',
            ok: false,
            critical: true,
            durationMs: 0,
            error: 'starting: waiting for the database (details in the log)',
          },
        ],
      });
      return;
    }
    const problem = toProblem(
      new AppError(platformErrors.SERVICE_NOT_READY, {
        detail: 'Keel is starting and waiting for its database; retry shortly.',
      }),
      randomUUID(),
      path,
    );
    send(response, 503, PROBLEM_CONTENT_TYPE, problem);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function send(response: http.ServerResponse, status: number, type: string, body: unknown): void {
  response.writeHead(status, { 'content-type': type, connection: 'close' });
  response.end(JSON.stringify(body));
}
