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
import type { IncomingMessage, ServerResponse } from 'node:http';
import { forwarderArgs, readBody, sendText as send, serveForwarder } from './forwarder-server.ts';

const args = forwarderArgs('chat-forwarder');

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
  const upstream = await fetch(args.completionsUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...body, model: args.model }),
  });
  const completion = (await upstream.json()) as unknown;
  send(response, upstream.status, JSON.stringify(completion));
}

serveForwarder(args, '/openai/v1/chat/completions', forward, (message) =>
  JSON.stringify({ error: { message } }),
);
