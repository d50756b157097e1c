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
import type { IncomingMessage, ServerResponse } from 'node:http';
import { forwarderArgs, readBody, sendText, serveForwarder } from './forwarder-server.ts';

const args = forwarderArgs('bare-forwarder');

function send(response: ServerResponse, status: number, body: unknown): void {
  sendText(response, status, JSON.stringify(body));
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

  const upstream = await fetch(args.completionsUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model: args.model,
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

serveForwarder(args, '/v1/generate', generate, (message) => JSON.stringify({ error: message }));
