import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CapabilityStreamEvent, parseCapabilityStream } from '../../src/client/capability-stream.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../fixtures/fake-openai/index.ts';
import { type KeelProcess, startKeel, temporaryDirectory } from '../support/keel-process.ts';

const KEY = 'keel-e2e-admin-key-guardrails-0123456789';
const PUBLIC_API = path.resolve(import.meta.dirname, '../../src/index.ts');
const PII =
  'Please refund ana.garcia@example.com on card 4111 1111 1111 1111 and IBAN DE89 3704 0044 0532 0130 00.';
const ORIGINALS = ['ana.garcia@example.com', '4111 1111 1111 1111', 'DE89 3704 0044 0532 0130 00'];
// Longer than the held-back window, so the client receives text before the blocked span arrives upstream.
const PREFACE = 'Here is the plan as it was agreed at the meeting, step by step and in order. '.repeat(3);

describe('guardrails end to end: keel serve against the fake OpenAI-compatible server', () => {
  let fake: FakeOpenAI;
  let keel: KeelProcess;
  let directory: Awaited<ReturnType<typeof temporaryDirectory>>;
  const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };

  beforeAll(async () => {
    directory = await temporaryDirectory();
    fake = await startFakeOpenAI({
      // The model repeats the placeholders it was given; asked for the plan, it names the secret project.
      reply: ({ lastUserMessage }) =>
        lastUserMessage.includes('plan')
          ? `${PREFACE}The code name is Project Kraken and it starts on Monday.`
          : `Refund queued for ${[...new Set(lastUserMessage.match(/\[[A-Z_]+_\d+\]/g) ?? [])].join(', ')}.`,
    });
    await writeFile(
      path.join(directory.path, 'keel.config.ts'),
      `import { blocklistGuardrail } from ${JSON.stringify(PUBLIC_API)};
export default {
  models: {
    providers: { fake: { kind: 'openai-compatible', baseUrl: '${fake.url}' } },
    aliases: { default: 'fake:fake-model' },
  },
  guardrails: {
    policies: [blocklistGuardrail({ name: 'code-words', terms: ['project kraken'] })],
    capabilities: { generate: ['pii-redact', 'pii-leak', 'code-words'] },
  },
};\n`,
    );
    keel = await startKeel({ KEEL_DATA_DIR: 'memory://', KEEL_ADMIN_KEY: KEY }, directory.path);
  });

  afterAll(async () => {
    await keel?.stop();
    await fake?.close();
    await directory?.remove();
  });

  it('sends no personal data upstream, restores it in the answer, and logs only redacted text', async () => {
    const response = await fetch(`${keel.url}/v1/generate`, {
      method: 'POST',
      headers: { ...headers, 'x-request-id': 'guardrails-e2e-1' },
      body: JSON.stringify({ user_input: PII }),
    });
    expect(response.status).toBe(200);
    const output = (await response.json()) as { answer: string };
    expect(output.answer).toBe(`Refund queued for ${ORIGINALS.join(', ')}.`);

    const upstream = JSON.stringify(fake.requests.map((request) => request.body));
    expect(fake.requests.length).toBeGreaterThan(0);
    for (const original of ORIGINALS) expect(upstream).not.toContain(original);
    expect(upstream).toContain('[EMAIL_1]');
    expect(upstream).toContain('[PAYMENT_CARD_1]');
    expect(upstream).toContain('[IBAN_1]');

    // The request log is written behind the response: poll until the record is there.
    let record: Record<string, unknown> | undefined;
    for (let attempt = 0; attempt < 100 && record === undefined; attempt++) {
      const logged = await fetch(`${keel.url}/v1/requests/guardrails-e2e-1`, { headers });
      if (logged.status === 200) record = (await logged.json()) as Record<string, unknown>;
      else await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(record).toBeDefined();
    const stored = JSON.stringify(record);
    for (const original of ORIGINALS) expect(stored).not.toContain(original);
    expect(record).toMatchObject({
      input: { user_input: 'Please refund [EMAIL_1] on card [PAYMENT_CARD_1] and IBAN [IBAN_1].' },
      output: { answer: 'Refund queued for [EMAIL_1], [PAYMENT_CARD_1], [IBAN_1].' },
      guardrails: [
        {
          policy: 'pii-redact',
          stage: 'input',
          action: 'redact',
          kinds: ['email', 'payment_card', 'iban'],
          count: 3,
        },
      ],
    });
  });

  it('cuts a stream with an error event before a blocked span reaches the client', async () => {
    fake.reset();
    const response = await fetch(`${keel.url}/v1/generate`, {
      method: 'POST',
      headers: { ...headers, accept: 'text/event-stream' },
      body: JSON.stringify({ user_input: 'What is the plan?' }),
    });
    expect(response.status).toBe(200);
    if (response.body === null) throw new Error('no body');
    const events: CapabilityStreamEvent[] = [];
    for await (const event of parseCapabilityStream(response.body)) events.push(event);

    const received = events.map((event) => (event.type === 'text-delta' ? event.data.delta : '')).join('');
    // The client got the safe start of the answer, and none of the blocked span.
    expect(received.length).toBeGreaterThan(0);
    expect(PREFACE.startsWith(received) || received.startsWith(PREFACE)).toBe(true);
    expect(received).not.toMatch(/project|kraken/i);
    expect(events.find((event) => event.type === 'guardrail')?.data).toMatchObject({
      policy: 'code-words',
      stage: 'output',
      action: 'block',
    });
    expect(events.at(-1)).toMatchObject({
      type: 'error',
      data: { code: 'GUARDRAIL_BLOCKED', policy: 'code-words', stage: 'output' },
    });
    expect(events.some((event) => event.type === 'done')).toBe(false);
    // The upstream did stream the span: Keel held it back and cut the stream there.
    expect(fake.requests.some((request) => request.path === '/v1/chat/completions')).toBe(true);
  });
});
