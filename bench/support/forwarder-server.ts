/**
 * What the benchmarks' bare `node:http` baselines share: arguments, body reading, JSON answers, and a
 * server with one POST route and `/healthz` that prints `{"url": ...}` once listening and stops on
 * SIGTERM/SIGINT. Each baseline adds only the work its Keel route does.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';

const BODY_LIMIT_BYTES = 1_048_576;

export interface ForwarderArgs {
  readonly port: number;
  readonly host: string;
  /** `<upstream>/chat/completions`. */
  readonly completionsUrl: string;
  readonly model: string;
}

export function forwarderArgs(name: string): ForwarderArgs {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      upstream: { type: 'string' },
      model: { type: 'string', default: 'fake-model' },
    },
    strict: true,
  });
  if (!values.upstream) {
    process.stderr.write(`${name}: --upstream <base url ending in /v1> is required\n`);
    process.exit(2);
  }
  return {
    port: Number(values.port),
    host: values.host,
    completionsUrl: `${values.upstream.replace(/\/$/, '')}/chat/completions`,
    model: values.model,
  };
}

/** Sends an already-serialised JSON body. */
export function sendText(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

/** The body as text; undefined when it is over the 1 MiB limit (the rest is read and dropped). */
export function readBody(request: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= BODY_LIMIT_BYTES) chunks.push(chunk);
    });
    request.on('end', () =>
      resolve(size > BODY_LIMIT_BYTES ? undefined : Buffer.concat(chunks).toString('utf8')),
    );
    request.on('error', reject);
  });
}

/** Serves `POST <route>` with `handle` (failures answer 502 `errorBody(message)`), `GET /healthz`, 404 otherwise. */
export function serveForwarder(
  args: ForwarderArgs,
  route: string,
  handle: (request: IncomingMessage, response: ServerResponse) => Promise<void>,
  errorBody: (message: string) => string,
): void {
  const server = createServer((request, response) => {
    if (request.method === 'POST' && request.url === route) {
      handle(request, response).catch((error: unknown) => {
        if (!response.headersSent) sendText(response, 502, errorBody(String(error)));
        else response.destroy();
      });
    } else if (request.method === 'GET' && request.url === '/healthz') {
      sendText(response, 200, '{"status":"ok"}');
    } else {
      request.resume();
      sendText(response, 404, errorBody('not found'));
    }
  });
  server.listen({ port: args.port, host: args.host }, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : args.port;
    process.stdout.write(`${JSON.stringify({ url: `http://${args.host}:${port}` })}\n`);
  });
  const stop = (): void => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
