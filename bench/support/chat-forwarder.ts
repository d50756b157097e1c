/**
 * The baseline of the `gateway` benchmark (P1): a bare `node:http` service that does the least an
 * OpenAI-compatible proxy must do for `POST /openai/v1/chat/completions`, without a framework, auth,
 * logging, metrics, a model SDK or accounting.
 *
 *   node bench/support/chat-forwarder.ts --upstream http://127.0.0.1:PORT/v1 [--port 0] [--model fake-model]
 *
 * It reads and parses the JSON body, checks `messages` is a non-empty array, sets `model` to the upstream
 * model, POSTs it upstream with the global `fetch` (undici keep-alive pool, the HTTP client the AI SDK uses
 * inside Keel), parses the JSON answer and sends it back. Prints one JSON line `{"url": "http://..."}` once
 * listening; stops on SIGTERM/SIGINT.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';

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
  process.stderr.write('chat-forwarder: --upstream <base url ending in /v1> is required\n');
  process.exit(2);
}
const completionsUrl = `${values.upstream.replace(/\/$/, '')}/chat/completions`;
const model = values.model;
const BODY_LIMIT_BYTES = 1_048_576;

function send(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

function readBody(request: IncomingMessage): Promise<string | undefined> {
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

async function forward(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const text = await readBody(request);
  if (text === undefined) return send(response, 413, '{"error":{"message":"body too large"}}');
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return send(response, 400, '{"error":{"message":"body is not JSON"}}');
  }
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    return send(response, 400, '{"error":{"message":"messages must be a non-empty array"}}');
  }
  const upstream = await fetch(completionsUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...body, model }),
  });
  const completion = (await upstream.json()) as unknown;
  send(response, upstream.status, JSON.stringify(completion));
}

const server = createServer((request, response) => {
  if (request.method === 'POST' && request.url === '/openai/v1/chat/completions') {
    forward(request, response).catch((error: unknown) => {
      if (!response.headersSent) send(response, 502, JSON.stringify({ error: { message: String(error) } }));
      else response.destroy();
    });
  } else if (request.method === 'GET' && request.url === '/healthz') {
    send(response, 200, '{"status":"ok"}');
  } else {
    request.resume();
    send(response, 404, '{"error":{"message":"not found"}}');
  }
});

server.listen({ port: Number(values.port), host: values.host }, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : Number(values.port);
  process.stdout.write(`${JSON.stringify({ url: `http://${values.host}:${port}` })}\n`);
});

function stop(): void {
  server.close(() => process.exit(0));
  server.closeAllConnections();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
