import { simulateReadableStream } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { afterEach, describe, expect, it } from 'vitest';
import { textParts } from '../../../test/support/gateway-fixtures.ts';
import { buildTestApp, memoryDocuments, type TestApp } from '../../../test/support/test-app.ts';

const CORPUS: Array<[string, string]> = [
  [
    'Acme Corp annual report',
    'Acme Corp depends on a single supplier in Taiwan for its controller chips. A disruption at that supplier would halt Acme Corp production within six weeks. Acme Corp holds three weeks of chip inventory.',
  ],
  [
    'Acme Corp logistics review',
    'Acme Corp ships most finished goods through the port of Rotterdam. Strikes at the port delayed Acme Corp deliveries twice last year, a recurring supply risk.',
  ],
  [
    'Globex quarterly update',
    'Globex sources its steel from four suppliers on two continents and reports no material supply risks this quarter.',
  ],
];

interface AnalysisResult {
  readonly outcome: string;
  readonly summary: string | null;
  readonly confidence: number;
  readonly sources: Array<{ readonly title: string }>;
}

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function setUp(model?: MockLanguageModelV4) {
  const documents = memoryDocuments();
  app = await buildTestApp({ documents, ...(model ? { model } : {}) });
  const scopes = ['documents:write', 'capability:analysis', 'capability:echo', 'jobs:read', 'jobs:write'];
  const headers = {
    authorization: `Bearer ${(await app.keys.create({ name: 'a', tenantId: 't-a', scopes })).token}`,
  };
  const other = {
    authorization: `Bearer ${(await app.keys.create({ name: 'b', tenantId: 't-b', scopes })).token}`,
  };
  const collection = await app.app.inject({
    method: 'POST',
    url: '/v1/collections',
    headers,
    payload: { name: 'companies' },
  });
  for (const [title, text] of CORPUS) {
    await app.app.inject({
      method: 'POST',
      url: `/v1/collections/${collection.json().id}/documents`,
      headers,
      payload: { title, text },
    });
  }
  await documents.runner.idle();
  return { app, headers, other };
}

async function analyse(
  test: Awaited<ReturnType<typeof setUp>>,
  body: Record<string, unknown>,
): Promise<{ id: string; events: string; job: Record<string, unknown> }> {
  const created = await test.app.app.inject({
    method: 'POST',
    url: '/v1/analyses',
    headers: test.headers,
    payload: body,
  });
  expect(created.statusCode).toBe(202);
  expect(created.headers.location).toBe(`/v1/analyses/${created.json().id}`);
  const id = created.json().id as string;
  // The SSE stream replays and follows until the job's terminal event.
  const events = await test.app.app.inject({
    method: 'GET',
    url: `/v1/analyses/${id}/events`,
    headers: test.headers,
  });
  expect(events.statusCode).toBe(200);
  const job = await test.app.app.inject({ method: 'GET', url: `/v1/analyses/${id}`, headers: test.headers });
  return { id, events: events.body, job: job.json() };
}

function stepOrder(events: string): string[] {
  return [...events.matchAll(/event: step-started\ndata: (.*)\n/g)].map(
    (match) => JSON.parse(match[1] ?? '{}').data.step,
  );
}

describe('the analysis workflow', () => {
  it('gathers, reads, summarises and assesses on the local engine, with visible steps', async () => {
    const test = await setUp();
    const { events, job } = await analyse(test, {
      company_name: 'Acme Corp',
      question: 'What are the main supply risks?',
    });
    expect(job.status).toBe('succeeded');
    expect(stepOrder(events)).toEqual(['gather', 'read', 'summarise', 'assess']);
    expect(events).toContain('event: job-progress');
    const result = job.result as AnalysisResult;
    expect(result).toMatchObject({ outcome: 'answered', engine: 'local' });
    expect(result.summary).toMatch(/supplier|Rotterdam/);
    expect(result.sources.length).toBeGreaterThanOrEqual(1);
    // Only sources about the company: Globex's report is not evidence about Acme.
    for (const source of result.sources) expect(source.title).toMatch(/^Acme Corp/);
    expect(result.confidence).toBeGreaterThan(0);
    expect(result.confidence).toBeLessThanOrEqual(1);
  });

  it('reports insufficient_context for a company the knowledge base does not know', async () => {
    const test = await setUp();
    const { job } = await analyse(test, {
      company_name: 'Initech',
      question: 'What are the main supply risks?',
    });
    expect(job.status).toBe('succeeded');
    expect(job.result).toMatchObject({
      outcome: 'insufficient_context',
      summary: null,
      sources: [],
      confidence: 0,
    });
  });

  it('summarises with the configured model, citing the sources it read', async () => {
    const model = new MockLanguageModelV4({
      provider: 'fake',
      modelId: 'analyst',
      doStream: async () => ({
        stream: simulateReadableStream({
          chunks: textParts('Acme Corp relies on one chip supplier [2] and one port [1].'),
        }),
      }),
    });
    const test = await setUp(model);
    const { events, job } = await analyse(test, {
      company_name: 'Acme Corp',
      question: 'What are the supply risks?',
    });
    expect(job.status).toBe('succeeded');
    const result = job.result as AnalysisResult;
    expect(result).toMatchObject({ outcome: 'answered', engine: 'model', model: 'fake:analyst' });
    expect(result.summary).toBe('Acme Corp relies on one chip supplier [1] and one port [2].');
    expect(result.sources).toHaveLength(2);
    expect(events).toContain('event: text-delta');
    expect(model.doStreamCalls).toHaveLength(1);
  });

  it('validates input, keeps tenants apart and finds only analysis jobs under its URL', async () => {
    const test = await setUp();
    const bad = await test.app.app.inject({
      method: 'POST',
      url: '/v1/analyses',
      headers: test.headers,
      payload: { question: 'x' },
    });
    expect(bad.statusCode).toBe(400);
    expect(JSON.stringify(bad.json().errors)).toContain('company_name');
    const { id } = await analyse(test, { company_name: 'Acme Corp', question: 'Risks?' });
    const foreign = await test.app.app.inject({
      method: 'GET',
      url: `/v1/analyses/${id}`,
      headers: test.other,
    });
    expect(foreign.statusCode).toBe(404);
    const generated = await test.app.app.inject({
      method: 'POST',
      url: '/v1/jobs',
      headers: test.headers,
      payload: { capability: 'analysis', input: { company_name: 'Acme Corp', question: 'Risks?' } },
    });
    expect(generated.statusCode).toBe(202);
    const sync = await test.app.app.inject({
      method: 'POST',
      url: '/v1/analysis',
      headers: test.headers,
      payload: { company_name: 'Acme Corp', question: 'Risks?' },
    });
    expect(sync.statusCode).toBe(404);
  });
});
