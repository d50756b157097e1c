/**
 * The baseline of the `generate` benchmark: what a bare `node:http` service doing the same job as Keel's
 * `POST /v1/generate` costs, without a framework, logging, validation library, model SDK or request log.
 *
 *   node bench/support/bare-forwarder.ts --upstream http://127.0.0.1:PORT/v1 [--port 0] [--model fake-model]
 *
 * It reads and parses the JSON body, checks `user_input` (non-empty string, at most 20000 characters) and
 * `max_tokens` (integer 1..4096, default 300), POSTs an OpenAI chat-completions request upstream with the global
 * `fetch` (undici, keep-alive pool: the same HTTP client the AI SDK uses inside Keel) and answers
 * `{"answer": ..., "status": "ok"}`. Prints one JSON line `{"url": "http://127.0.0.1:PORT"}` once listening;
 * stops on SIGTERM/SIGINT.
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
  process.stderr.write('bare-forwarder: --upstream <base url ending in /v1> is required\n');
  process.exit(2);
}
const completionsUrl = `${values.upstream.replace(/\/$/, '')}/chat/completions`;
const model = values.model;
const BODY_LIMIT_BYTES = 1_048_576;

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
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

interface Prompt {
  readonly userInput: string;
  readonly maxTokens: number;
}

function validate(body: unknown): Prompt | string {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'body must be a JSON object';
  const { user_input: userInput, max_tokens: maxTokens = 300 } = body as Record<string, unknown>;
  if (typeof userInput !== 'string' || userInput.length < 1 || userInput.length > 20_000) {
    return 'user_input must be a string of 1 to 20000 characters';
  }
  if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1 || maxTokens > 4096) {
    return 'max_tokens must be an integer from 1 to 4096';
  }
  return { userInput, maxTokens };
}

async function generate(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const text = await readBody(request);
  if (text === undefined) return send(response, 413, { error: 'body too large' });
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return send(response, 400, { error: 'body is not JSON' });
  }
  const prompt = validate(body);
  if (typeof prompt === 'string') return send(response, 400, { error: prompt });

  const upstream = await fetch(completionsUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model,
      messages: [{ role: 'user', content: prompt.userInput }],
      max_tokens: prompt.maxTokens,
    }),
  });
  const completion = (await upstream.json()) as { choices?: { message?: { content?: unknown } }[] };
  const answer = completion.choices?.[0]?.message?.content;
  if (!upstream.ok || typeof answer !== 'string') {
    return send(response, 502, { error: `upstream answered ${upstream.status}` });
  }
  send(response, 200, { answer, status: 'ok' });
}

const server = createServer((request, response) => {
  if (request.method === 'POST' && request.url === '/v1/generate') {
    generate(request, response).catch((error: unknown) => {
      if (!response.headersSent) send(response, 502, { error: String(error) });
      else response.destroy();
    });
  } else if (request.method === 'GET' && request.url === '/healthz') {
    send(response, 200, { status: 'ok' });
  } else {
    request.resume();
    send(response, 404, { error: 'not found' });
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
