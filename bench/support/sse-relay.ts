/**
 * The baseline of `bench/streaming`: a bare fetch-based SSE relay doing what a streamed
 * `POST /v1/generate` does and nothing else. It reads the JSON body, opens a streamed chat completion
 * upstream with global fetch (undici), and relays each content delta as the same `text-delta` events,
 * then `done` (or `error`). A client that goes away aborts the upstream fetch. No auth, validation,
 * logging, limits, metrics or accounting.
 *
 *   node bench/support/sse-relay.ts --port 0 --upstream http://127.0.0.1:PORT/v1 --model fake-model
 *
 * Prints one JSON line `{"url": "http://127.0.0.1:PORT"}` once listening.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { parseServerSentEvents } from '../../src/client/capability-stream.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    upstream: { type: 'string' },
    model: { type: 'string', default: 'fake-model' },
  },
  strict: true,
});
if (!values.upstream) {
  process.stderr.write('sse-relay: --upstream is required\n');
  process.exit(2);
}
const completions = `${values.upstream}/chat/completions`;

async function readBody(request: IncomingMessage): Promise<string> {
  let body = '';
  request.setEncoding('utf8');
  for await (const chunk of request) body += chunk;
  return body;
}

const server = createServer(async (request, response) => {
  if (request.method === 'GET' && request.url === '/healthz') {
    response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    return;
  }
  if (request.method !== 'POST' || request.url !== '/v1/generate') {
    response.writeHead(404).end();
    return;
  }
  let input: { user_input?: unknown; max_tokens?: unknown };
  try {
    input = JSON.parse(await readBody(request)) as typeof input;
  } catch {
    response.writeHead(400).end();
    return;
  }
  const controller = new AbortController();
  response.once('close', () => {
    if (!response.writableFinished) controller.abort();
  });
  response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
  });
  response.write(': stream open\n\n');
  let sequence = 0;
  const write = (event: string, data: unknown) => {
    sequence += 1;
    response.write(`id: ${sequence}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  try {
    const upstream = await fetch(completions, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: values.model,
        messages: [{ role: 'user', content: input.user_input }],
        max_tokens: input.max_tokens,
        stream: true,
        stream_options: { include_usage: true },
      }),
      signal: controller.signal,
    });
    if (!upstream.ok || upstream.body === null) throw new Error(`upstream ${upstream.status}`);
    let answer = '';
    for await (const message of parseServerSentEvents(upstream.body)) {
      if (message.data === '[DONE]') break;
      const chunk = JSON.parse(message.data) as { choices?: { delta?: { content?: string } }[] };
      const delta = chunk.choices?.[0]?.delta?.content;
      if (delta) {
        answer += delta;
        write('text-delta', { delta });
      }
    }
    write('done', { output: { answer, status: 'ok' } });
  } catch (error) {
    if (!controller.signal.aborted) {
      write('error', { code: 'UPSTREAM', message: error instanceof Error ? error.message : String(error) });
    }
  } finally {
    response.end();
  }
});
server.keepAliveTimeout = 60_000;
server.listen(Number(values.port), '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
