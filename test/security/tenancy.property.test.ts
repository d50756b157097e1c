import { simulateReadableStream } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MemoryAgentStore } from '../../src/modules/agents/index.ts';
import { defineTool } from '../../src/modules/tools/index.ts';
import { SCOPE_EXTENSION } from '../../src/platform/http/index.ts';
import { multipartBody } from '../fixtures/documents/multipart.ts';
import { toyClassify, toyItems } from '../fixtures/evals/toy-classify.ts';
import { buildDocumentsTestApp, type DocumentsTestApp } from '../support/documents-app.ts';
import { answer, textParts, usage } from '../support/gateway-fixtures.ts';
import { buildTestApp, type TestApp } from '../support/test-app.ts';

/**
 * Tenancy as a property: for random tenants A and B and random object ids (colliding ones included), no
 * route lets A read, list, stream, search or delete what B created; B's id answers A exactly like a
 * missing one. Every operation in /openapi.json that takes an id or lists tenant data must be covered
 * below or declared not to hold tenant data, so a new route fails this test until it is classified.
 */

const ADMIN_KEY = 'keel-admin-key-for-the-tenancy-test-01';

/** Operations that serve no tenant's data, and why. */
const VARIANTS =
  'admin scope: variants and traffic policies are per capability, deployment-wide; the comparison aggregates every tenant';
const NOT_TENANT_DATA: Record<string, string> = {
  'GET /v1/admin/capabilities/{name}/variants': VARIANTS,
  'POST /v1/admin/capabilities/{name}/variants': VARIANTS,
  'GET /v1/admin/capabilities/{name}/variants/{version}': VARIANTS,
  'GET /v1/admin/capabilities/{name}/traffic': VARIANTS,
  'PUT /v1/admin/capabilities/{name}/traffic': VARIANTS,
  'POST /v1/admin/capabilities/{name}/promote': VARIANTS,
  'POST /v1/admin/capabilities/{name}/rollback': VARIANTS,
  'GET /v1/admin/capabilities/{name}/variant-events': VARIANTS,
  'GET /v1/admin/capabilities/{name}/comparison': VARIANTS,
  'GET /v1/admin/keys': 'admin scope: operators manage keys across tenants',
  'GET /v1/admin/keys/{id}': 'admin scope: operators manage keys across tenants',
  'DELETE /v1/admin/keys/{id}': 'admin scope: operators manage keys across tenants',
  'GET /openai/v1/models/{model}': 'configured models are deployment-wide, not tenant data',
  'POST /v1/tools/{name}':
    'tools are deployment-wide; the ones that read data (search, fetch_document) run with the caller tenant',
};

/** Tenant-data operations this test exercises. */
const COVERED = new Set([
  'GET /v1/datasets',
  'GET /v1/datasets/{id}',
  'DELETE /v1/datasets/{id}',
  'POST /v1/datasets/{id}/items',
  'GET /v1/datasets/{id}/items',
  'GET /v1/datasets/{id}/export',
  'POST /v1/datasets/{id}/items:from-feedback',
  'GET /v1/eval-runs',
  'GET /v1/eval-runs/{id}',
  'GET /v1/eval-runs/{id}/results',
  'GET /v1/eval-runs/{id}/compare',
  'GET /v1/eval-runs/{id}/report',
  'GET /v1/feedback',
  'GET /v1/feedback/{id}',
  'GET /v1/requests/{id}',
  'GET /v1/requests',
  'GET /v1/model-calls',
  'GET /v1/collections',
  'GET /v1/collections/{collectionId}',
  'DELETE /v1/collections/{collectionId}',
  'POST /v1/collections/{collectionId}/reindex',
  'POST /v1/collections/{collectionId}/documents',
  'GET /v1/collections/{collectionId}/documents',
  'POST /v1/collections/{collectionId}/documents/upload',
  'GET /v1/documents/{documentId}',
  'DELETE /v1/documents/{documentId}',
  'POST /v1/search',
  'GET /v1/jobs',
  'GET /v1/jobs/{id}',
  'POST /v1/jobs/{id}/cancel',
  'POST /v1/jobs/{id}/retry',
  'GET /v1/jobs/{id}/webhook-deliveries',
  'GET /v1/jobs/{id}/events',
  'GET /v1/jobs/{id}/ws',
  'GET /v1/conversations',
  'GET /v1/conversations/{conversationId}',
  'DELETE /v1/conversations/{conversationId}',
  'GET /v1/analyses/{job_id}',
  'GET /v1/analyses/{job_id}/events',
  'GET /v1/analyses/{job_id}/ws',
  'GET /v1/agents/runs',
  'GET /v1/agents/runs/{id}',
  'GET /v1/agents/runs/{id}/actions',
  'GET /v1/agents/runs/{id}/events',
  'GET /v1/agents/runs/{id}/stream',
  'POST /v1/agents/runs/{id}/approve',
  'POST /v1/agents/runs/{id}/reject',
  'POST /v1/agents/runs/{id}/cancel',
]);

let app: TestApp;
let document: { paths: Record<string, Record<string, { [SCOPE_EXTENSION]?: string; responses?: unknown }>> };
const tokens = new Map<string, string>();

async function tokenFor(tenant: string): Promise<string> {
  const known = tokens.get(tenant);
  if (known) return known;
  const { token } = await app.keys.create({
    name: `tenant ${tenant}`,
    tenantId: tenant,
    scopes: ['requests:read', 'usage:read', 'capability:*', 'jobs:read', 'jobs:write'],
  });
  tokens.set(tenant, token);
  return token;
}

async function as(
  tenant: string,
  method: 'GET' | 'POST' | 'DELETE',
  url: string,
  extra: { id?: string; payload?: unknown } = {},
) {
  return app.app.inject({
    method,
    url,
    headers: {
      authorization: `Bearer ${await tokenFor(tenant)}`,
      ...(extra.id ? { 'x-request-id': extra.id } : {}),
    },
    ...(extra.payload === undefined ? {} : { payload: extra.payload as object }),
  });
}

beforeAll(async () => {
  const model = new MockLanguageModelV4({
    provider: 'mock',
    modelId: 'm1',
    doGenerate: answer('ok', usage(3, 1)),
  });
  app = await buildTestApp({ adminKey: ADMIN_KEY, model });
  document = (await app.app.inject({ method: 'GET', url: '/openapi.json' })).json();
});
afterAll(async () => app?.close());

let run = 0;
/** Random tenant ids, made unique per run so one run's objects never belong to a later run's tenants. */
const tenantPair = fc
  .uniqueArray(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,15}$/), {
    minLength: 2,
    maxLength: 2,
    selector: (tenant) => tenant.toLowerCase(),
  })
  .map((pair) => {
    run += 1;
    return pair.map((tenant) => `${tenant}.${run}`);
  });
const requestId = fc.stringMatching(/^[A-Za-z0-9._:-]{1,24}$/);

describe('tenancy', () => {
  it('classifies every operation that takes an id or lists data', () => {
    const unclassified = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods)
        .filter(([, operation]) => operation[SCOPE_EXTENSION] !== 'public')
        .map(([method]) => `${method.toUpperCase()} ${path}`)
        .filter((operation) => {
          const takesId = operation.includes('{');
          const lists =
            operation.startsWith('GET ') &&
            JSON.stringify(document.paths[operation.slice(4)]?.get?.responses ?? {}).includes('next_cursor');
          return (takesId || lists) && !COVERED.has(operation) && !(operation in NOT_TENANT_DATA);
        }),
    );
    expect(
      unclassified,
      'add a tenancy fixture for these operations, or declare them NOT_TENANT_DATA',
    ).toEqual([]);
  });

  it('never shows A the request log of B, even when both chose the same request id', async () => {
    await fc.assert(
      fc.asyncProperty(tenantPair, requestId, fc.boolean(), async ([a, b], id, collide) => {
        if (!a || !b) return;
        const bId = `b-${id}-${Math.random().toString(36).slice(2, 8)}`;
        const aId = collide ? bId : `a-${id}-${Math.random().toString(36).slice(2, 8)}`;
        await as(b, 'POST', '/v1/generate', { id: bId, payload: { user_input: `secret of ${b}` } });
        await as(a, 'GET', '/v1/requests', { id: aId });
        await app.writer.flush();

        const own = await as(b, 'GET', `/v1/requests/${encodeURIComponent(bId)}`);
        expect(own.statusCode).toBe(200);
        expect(own.json().input).toEqual({ user_input: `secret of ${b}`, max_tokens: 300 });

        const foreign = await as(a, 'GET', `/v1/requests/${encodeURIComponent(bId)}`);
        const missing = await as(a, 'GET', `/v1/requests/never-${encodeURIComponent(bId)}`);
        if (collide) {
          // A's own request with the same id is A's, never B's.
          expect(foreign.statusCode).toBe(200);
          expect(foreign.json().route).toBe('/v1/requests');
          expect(foreign.body).not.toContain(`secret of ${b}`);
        } else {
          expect(foreign.statusCode).toBe(404);
          expect(foreign.json().code).toBe(missing.json().code);
          expect(foreign.body).not.toContain(`secret of ${b}`);
        }

        const listed = await as(a, 'GET', '/v1/requests?limit=200');
        expect(listed.body).not.toContain(`secret of ${b}`);
        for (const item of listed.json().items as Array<{ id: string; route: string }>) {
          if (item.id === bId) expect(item.route).not.toBe('/v1/generate');
        }
        const filtered = await as(a, 'GET', '/v1/requests?capability=generate&limit=200');
        expect((filtered.json().items as unknown[]).length).toBe(0);
      }),
      { numRuns: 20 },
    );
  });

  it('never shows A the model calls of B', async () => {
    await fc.assert(
      fc.asyncProperty(tenantPair, requestId, async ([a, b], id) => {
        if (!a || !b) return;
        const bId = `mc-${id}-${Math.random().toString(36).slice(2, 8)}`;
        expect(
          (await as(b, 'POST', '/v1/generate', { id: bId, payload: { user_input: 'hi' } })).statusCode,
        ).toBe(200);
        await app.modelCallWriter.flush();
        const own = await as(b, 'GET', `/v1/model-calls?request_id=${encodeURIComponent(bId)}`);
        expect((own.json().items as unknown[]).length).toBeGreaterThan(0);
        const foreign = await as(a, 'GET', `/v1/model-calls?request_id=${encodeURIComponent(bId)}`);
        expect(foreign.statusCode).toBe(200);
        expect(foreign.json().items).toEqual([]);
        const all = await as(a, 'GET', '/v1/model-calls?limit=200');
        expect(all.body).not.toContain(bId);
      }),
      { numRuns: 10 },
    );
  });
});

describe('tenancy of jobs', () => {
  it("never lets A see, follow, list, cancel or retry B's jobs", async () => {
    await fc.assert(
      fc.asyncProperty(tenantPair, fc.string({ minLength: 1, maxLength: 40 }), async ([a, b], prompt) => {
        if (!a || !b) return;
        const created = await as(b, 'POST', '/v1/generate/jobs', {
          payload: { user_input: `job of ${b}: ${prompt}` },
        });
        expect(created.statusCode).toBe(202);
        const jobId = created.json().id as string;
        const missingId = '00000000-0000-4000-8000-000000000000';
        const missing = await as(a, 'GET', `/v1/jobs/${missingId}`);
        expect(missing.statusCode).toBe(404);
        const attempts: Array<['GET' | 'POST', string]> = [
          ['GET', `/v1/jobs/${jobId}`],
          ['POST', `/v1/jobs/${jobId}/cancel`],
          ['POST', `/v1/jobs/${jobId}/retry`],
          ['GET', `/v1/jobs/${jobId}/webhook-deliveries`],
          ['GET', `/v1/jobs/${jobId}/events`],
          ['GET', `/v1/jobs/${jobId}/ws`],
        ];
        for (const [method, url] of attempts) {
          const response = await as(a, method, url);
          expect(response.statusCode, `${method} ${url}`).toBe(404);
          expect(response.json().code).toBe(missing.json().code);
          expect(response.body).not.toContain(`job of ${b}`);
        }
        const listed = await as(a, 'GET', '/v1/jobs?limit=200');
        expect(listed.statusCode).toBe(200);
        expect(listed.body).not.toContain(jobId);
        // B's job is still B's: visible, followable (426 without an upgrade) and not cancelled by A.
        const own = await as(b, 'GET', `/v1/jobs/${jobId}`);
        expect(own.statusCode).toBe(200);
        expect(own.json().status).not.toBe('cancelled');
        expect((await as(b, 'GET', `/v1/jobs/${jobId}/ws`)).statusCode).toBe(426);
      }),
      { numRuns: 10 },
    );
  });
});

describe('tenancy of analyses', () => {
  it("never lets A read or follow B's analyses", async () => {
    await fc.assert(
      fc.asyncProperty(
        tenantPair,
        fc.stringMatching(/^[A-Za-z][A-Za-z ]{0,30}$/),
        async ([a, b], company) => {
          if (!a || !b) return;
          const created = await as(b, 'POST', '/v1/analyses', {
            payload: { company_name: `${company} of ${b}`, question: 'What are the risks?' },
          });
          expect(created.statusCode).toBe(202);
          const id = created.json().id as string;
          const missing = await as(a, 'GET', '/v1/analyses/00000000-0000-4000-8000-000000000000');
          expect(missing.statusCode).toBe(404);
          for (const url of [`/v1/analyses/${id}`, `/v1/analyses/${id}/events`, `/v1/analyses/${id}/ws`]) {
            const response = await as(a, 'GET', url);
            expect(response.statusCode, url).toBe(404);
            expect(response.json().code).toBe(missing.json().code);
            expect(response.body).not.toContain(`of ${b}`);
          }
          expect((await as(b, 'GET', `/v1/analyses/${id}`)).statusCode).toBe(200);
        },
      ),
      { numRuns: 10 },
    );
  });
});

describe('tenancy of conversations', () => {
  let chatApp: TestApp;
  const chatTokens = new Map<string, string>();
  beforeAll(async () => {
    const model = new MockLanguageModelV4({
      provider: 'mock',
      modelId: 'm1',
      doStream: async () => ({ stream: simulateReadableStream({ chunks: textParts('noted', usage(3, 1)) }) }),
    });
    chatApp = await buildTestApp({ adminKey: ADMIN_KEY, model });
  });
  afterAll(async () => chatApp?.close());

  async function chatAs(tenant: string, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) {
    let token = chatTokens.get(tenant);
    if (token === undefined) {
      const created = await chatApp.keys.create({
        name: tenant,
        tenantId: tenant,
        scopes: ['capability:chat'],
      });
      token = created.token;
      chatTokens.set(tenant, token);
    }
    return chatApp.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${token}` },
      ...(payload === undefined ? {} : { payload }),
    });
  }

  it("never lets A see, list, continue or delete B's conversations", async () => {
    await fc.assert(
      fc.asyncProperty(tenantPair, fc.stringMatching(/^[a-z]{4,12}$/), async ([a, b], word) => {
        if (!a || !b) return;
        const marker = `zq${word}${Math.random().toString(36).slice(2, 8)}`;
        const created = await chatAs(b, 'POST', '/v1/chat', { message: `the ${marker} of ${b}` });
        expect(created.statusCode).toBe(200);
        const id = created.json().conversation_id as string;
        const missing = await chatAs(a, 'GET', '/v1/conversations/conv_00000000000000000000');
        expect(missing.statusCode).toBe(404);
        const attempts = [
          await chatAs(a, 'GET', `/v1/conversations/${id}`),
          await chatAs(a, 'DELETE', `/v1/conversations/${id}`),
          await chatAs(a, 'POST', '/v1/chat', { conversation_id: id, message: 'and now?' }),
        ];
        for (const response of attempts) {
          expect(response.statusCode).toBe(404);
          expect(response.json().code).toBe(missing.json().code);
          expect(response.body).not.toContain(marker);
        }
        const listed = await chatAs(a, 'GET', '/v1/conversations?limit=200');
        expect(listed.statusCode).toBe(200);
        expect(listed.body).not.toContain(id);
        expect(listed.body).not.toContain(marker);
        // B's conversation is untouched by A's attempts.
        const own = await chatAs(b, 'GET', `/v1/conversations/${id}`);
        expect(own.statusCode).toBe(200);
        expect(own.json().message_count).toBe(2);
        expect(own.body).toContain(marker);
      }),
      { numRuns: 10 },
    );
  });
});

describe('tenancy of documents and search', () => {
  let documents: DocumentsTestApp;
  const documentTokens = new Map<string, Record<string, string>>();
  beforeAll(async () => {
    documents = await buildDocumentsTestApp();
  });
  afterAll(async () => documents?.close());

  async function headersOf(tenant: string): Promise<Record<string, string>> {
    const known = documentTokens.get(tenant);
    if (known) return known;
    const { token } = await documents.app.keys.create({
      name: tenant,
      tenantId: tenant,
      scopes: ['documents:read', 'documents:write'],
    });
    const headers = { authorization: `Bearer ${token}` };
    documentTokens.set(tenant, headers);
    return headers;
  }

  it("never lets A see, list, search, change or delete B's collections and documents", async () => {
    const inject = (options: InjectOptions) => documents.app.app.inject(options);
    await fc.assert(
      fc.asyncProperty(tenantPair, fc.stringMatching(/^[a-z]{4,12}$/), async ([a, b], word) => {
        if (!a || !b) return;
        const [asA, asB] = [await headersOf(a), await headersOf(b)];
        const marker = `zq${word}${Math.random().toString(36).slice(2, 8)}`;
        const collectionId = await documents.createCollection(`notes-${marker}`, asB);
        const added = await documents.addText(
          collectionId,
          { text: `The private ${marker} of tenant ${b}.`, title: marker },
          asB,
        );
        expect(added.statusCode).toBe(202);
        const documentId = added.json().document.id as string;
        await documents.settle();
        const missingCollection = await inject({
          method: 'GET',
          url: '/v1/collections/col_missing',
          headers: asA,
        });
        const missingDocument = await inject({
          method: 'GET',
          url: '/v1/documents/doc_missing',
          headers: asA,
        });

        const upload = multipartBody({}, [
          { filename: 'x.txt', contentType: 'text/plain', bytes: Buffer.from('intruder') },
        ]);
        const attempts = [
          { method: 'GET', url: `/v1/collections/${collectionId}` },
          { method: 'GET', url: `/v1/collections/${collectionId}/documents` },
          { method: 'POST', url: `/v1/collections/${collectionId}/reindex` },
          { method: 'POST', url: `/v1/collections/${collectionId}/documents`, payload: { text: 'intruder' } },
          {
            method: 'POST',
            url: `/v1/collections/${collectionId}/documents/upload`,
            payload: upload.payload,
            extra: upload.headers,
          },
          { method: 'DELETE', url: `/v1/collections/${collectionId}` },
        ] as const;
        for (const attempt of attempts) {
          const response = await inject({
            method: attempt.method,
            url: attempt.url,
            headers: { ...asA, ...('extra' in attempt ? attempt.extra : {}) },
            ...('payload' in attempt ? { payload: attempt.payload } : {}),
          });
          expect(response.statusCode, `${attempt.method} ${attempt.url}`).toBe(404);
          expect(response.json().code).toBe(missingCollection.json().code);
          expect(response.body).not.toContain(marker);
        }
        for (const method of ['GET', 'DELETE'] as const) {
          const response = await inject({ method, url: `/v1/documents/${documentId}`, headers: asA });
          expect(response.statusCode).toBe(404);
          expect(response.json().code).toBe(missingDocument.json().code);
        }
        const listed = await inject({ method: 'GET', url: '/v1/collections?limit=100', headers: asA });
        expect(listed.body).not.toContain(collectionId);
        const searched = await inject({
          method: 'POST',
          url: '/v1/search',
          headers: asA,
          payload: { query: marker, collection_ids: [collectionId], mode: 'lexical' },
        });
        expect(searched.body).not.toContain(marker);
        expect(searched.body).not.toContain(documentId);

        // B's objects are untouched by A's attempts, and B finds them.
        const own = await inject({ method: 'GET', url: `/v1/documents/${documentId}`, headers: asB });
        expect(own.statusCode).toBe(200);
        expect(own.body).toContain(marker);
        const found = await inject({
          method: 'POST',
          url: '/v1/search',
          headers: asB,
          payload: { query: marker, collection_ids: [collectionId], mode: 'lexical' },
        });
        expect(found.json().results.length).toBeGreaterThan(0);
        await documents.settle();
      }),
      { numRuns: 8 },
    );
  });
});

describe('tenancy of agent runs', () => {
  let agents: TestApp;
  const agentTokens = new Map<string, Record<string, string>>();
  beforeAll(async () => {
    // Every run proposes a write call first, so B's runs wait for approval while A tries to touch them.
    const model = new MockLanguageModelV4({
      provider: 'scripted',
      modelId: 'agent',
      doGenerate: async () => ({
        content: [{ type: 'tool-call', toolCallId: 'call-1', toolName: 'note', input: '{"text":"x"}' }],
        finishReason: { unified: 'tool-calls', raw: undefined },
        usage: usage(3, 1),
        warnings: [],
      }),
    });
    const note = defineTool({
      name: 'note',
      description: 'Writes a note.',
      input: z.object({ text: z.string() }),
      output: z.object({ ok: z.boolean() }),
      effect: 'write',
      run: async () => ({ ok: true }),
    });
    agents = await buildTestApp({
      adminKey: ADMIN_KEY,
      model,
      agents: { store: new MemoryAgentStore(), tools: [note], streamPollMs: 10 },
    });
  });
  afterAll(async () => agents?.close());

  async function headersOf(tenant: string): Promise<Record<string, string>> {
    const known = agentTokens.get(tenant);
    if (known) return known;
    const { token } = await agents.keys.create({
      name: tenant,
      tenantId: tenant,
      scopes: ['agents:run', 'agents:read', 'agents:approve', 'tools:note'],
    });
    const headers = { authorization: `Bearer ${token}` };
    agentTokens.set(tenant, headers);
    return headers;
  }

  it("never lets A see, list, follow, approve, reject or cancel B's agent runs", async () => {
    await fc.assert(
      fc.asyncProperty(tenantPair, fc.stringMatching(/^[a-z]{4,12}$/), async ([a, b], word) => {
        if (!a || !b) return;
        const [asA, asB] = [await headersOf(a), await headersOf(b)];
        const marker = `zq${word}${Math.random().toString(36).slice(2, 8)}`;
        const created = await agents.app.inject({
          method: 'POST',
          url: '/v1/agents/runs',
          headers: asB,
          payload: { goal: `The private ${marker} of ${b}`, tools: ['note'] },
        });
        expect(created.statusCode).toBe(202);
        const id = created.json().id as string;
        let status = '';
        for (let attempt = 0; attempt < 300 && status !== 'awaiting_approval'; attempt += 1) {
          status = (
            await agents.app.inject({ method: 'GET', url: `/v1/agents/runs/${id}`, headers: asB })
          ).json().status;
          if (status !== 'awaiting_approval') await new Promise((resolve) => setTimeout(resolve, 5));
        }
        expect(status).toBe('awaiting_approval');
        const missing = await agents.app.inject({
          method: 'GET',
          url: '/v1/agents/runs/run_missing',
          headers: asA,
        });
        const attempts = [
          { method: 'GET', url: `/v1/agents/runs/${id}` },
          { method: 'GET', url: `/v1/agents/runs/${id}/actions` },
          { method: 'GET', url: `/v1/agents/runs/${id}/events` },
          { method: 'GET', url: `/v1/agents/runs/${id}/stream` },
          { method: 'POST', url: `/v1/agents/runs/${id}/approve`, payload: {} },
          { method: 'POST', url: `/v1/agents/runs/${id}/reject`, payload: {} },
          { method: 'POST', url: `/v1/agents/runs/${id}/cancel` },
        ] as const;
        for (const attempt of attempts) {
          const response = await agents.app.inject({
            method: attempt.method,
            url: attempt.url,
            headers: asA,
            ...('payload' in attempt ? { payload: attempt.payload } : {}),
          });
          expect(response.statusCode, `${attempt.method} ${attempt.url}`).toBe(404);
          expect(response.json().code).toBe(missing.json().code);
          expect(response.body).not.toContain(marker);
        }
        const list = await agents.app.inject({ method: 'GET', url: '/v1/agents/runs', headers: asA });
        expect(list.statusCode).toBe(200);
        expect(list.body).not.toContain(id);
        expect(list.body).not.toContain(marker);
        // B's run is untouched: still waiting for B's decision.
        const own = await agents.app.inject({ method: 'GET', url: `/v1/agents/runs/${id}`, headers: asB });
        expect(own.json()).toMatchObject({
          status: 'awaiting_approval',
          goal: `The private ${marker} of ${b}`,
        });
      }),
      { numRuns: 8 },
    );
  });
});

describe('tenancy of evals and feedback', () => {
  let evalApp: TestApp;
  const evalTokens = new Map<string, string>();
  beforeAll(async () => {
    evalApp = await buildTestApp({ adminKey: ADMIN_KEY, extraCapabilities: [toyClassify] });
  });
  afterAll(async () => evalApp?.close());

  async function evalAs(
    tenant: string,
    method: 'GET' | 'POST' | 'DELETE',
    url: string,
    payload?: object,
    id?: string,
  ) {
    let token = evalTokens.get(tenant);
    if (token === undefined) {
      const created = await evalApp.keys.create({
        name: tenant,
        tenantId: tenant,
        scopes: ['evals:read', 'evals:write', 'feedback:read', 'feedback:write', 'capability:toy-classify'],
      });
      token = created.token;
      evalTokens.set(tenant, token);
    }
    return evalApp.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${token}`, ...(id ? { 'x-request-id': id } : {}) },
      ...(payload === undefined ? {} : { payload }),
    });
  }

  async function settled(tenant: string, runId: string) {
    for (let attempt = 0; attempt < 200; attempt += 1) {
      const run = (await evalAs(tenant, 'GET', `/v1/eval-runs/${runId}`)).json();
      if (run.status === 'succeeded' || run.status === 'failed') return run;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error('eval run did not finish');
  }

  it("never lets A see, list, change, run, compare or report B's datasets, runs and feedback", async () => {
    await fc.assert(
      fc.asyncProperty(tenantPair, fc.stringMatching(/^[a-z]{4,12}$/), async ([a, b], word) => {
        if (!a || !b) return;
        const marker = `zq${word}${Math.random().toString(36).slice(2, 8)}`;
        const dataset = await evalAs(b, 'POST', '/v1/datasets', {
          name: `set ${marker}`,
          capability: 'toy-classify',
          items: [
            { input: { text: `refund ${marker}` }, expected: { label: 'billing' } },
            ...toyItems.slice(0, 1),
          ],
        });
        expect(dataset.statusCode).toBe(201);
        const datasetId = dataset.json().id as string;
        const started = await evalAs(b, 'POST', '/v1/eval-runs', {
          dataset_id: datasetId,
          variants: ['perfect', 'sloppy'],
          scorers: [{ name: 'label' }],
        });
        expect(started.statusCode).toBe(202);
        const runId = started.json().id as string;
        await settled(b, runId);
        const requestId = `call-${marker}`;
        expect(
          (await evalAs(b, 'POST', '/v1/toy-classify', { text: `invoice ${marker}` }, requestId)).statusCode,
        ).toBe(200);
        const feedback = await evalAs(b, 'POST', '/v1/feedback', {
          request_id: requestId,
          rating: 'down',
          comment: marker,
          correction: { label: 'billing', engine: 'x' },
        });
        expect(feedback.statusCode).toBe(201);
        const feedbackId = feedback.json().id as string;

        const missingDataset = await evalAs(a, 'GET', '/v1/datasets/00000000-0000-4000-8000-000000000000');
        const missingRun = await evalAs(a, 'GET', '/v1/eval-runs/00000000-0000-4000-8000-000000000000');
        const missingFeedback = await evalAs(a, 'GET', '/v1/feedback/00000000-0000-4000-8000-000000000000');
        const ownDataset = (
          await evalAs(a, 'POST', '/v1/datasets', {
            name: `mine ${Math.random()}`,
            capability: 'toy-classify',
          })
        ).json().id as string;
        const attempts: Array<[string, 'GET' | 'POST' | 'DELETE', string, object?]> = [
          [missingDataset.json().code, 'GET', `/v1/datasets/${datasetId}`],
          [missingDataset.json().code, 'GET', `/v1/datasets/${datasetId}/items`],
          [missingDataset.json().code, 'GET', `/v1/datasets/${datasetId}/export`],
          [
            missingDataset.json().code,
            'POST',
            `/v1/datasets/${datasetId}/items`,
            { items: [{ input: { text: 'intruder' } }] },
          ],
          [
            missingDataset.json().code,
            'POST',
            `/v1/datasets/${datasetId}/items:from-feedback`,
            { feedback_ids: [feedbackId] },
          ],
          [missingDataset.json().code, 'DELETE', `/v1/datasets/${datasetId}`],
          [
            missingDataset.json().code,
            'POST',
            '/v1/eval-runs',
            { dataset_id: datasetId, variants: ['perfect'], scorers: [{ name: 'label' }] },
          ],
          [missingRun.json().code, 'GET', `/v1/eval-runs/${runId}`],
          [missingRun.json().code, 'GET', `/v1/eval-runs/${runId}/results`],
          [missingRun.json().code, 'GET', `/v1/eval-runs/${runId}/compare`],
          [missingRun.json().code, 'GET', `/v1/eval-runs/${runId}/report`],
          [missingFeedback.json().code, 'GET', `/v1/feedback/${feedbackId}`],
        ];
        for (const [code, method, url, payload] of attempts) {
          const response = await evalAs(a, method, url, payload);
          expect(response.statusCode, `${method} ${url}`).toBe(404);
          expect(response.json().code).toBe(code);
          expect(response.body).not.toContain(marker);
        }
        // B's feedback cannot become A's items, nor can A give feedback on B's call.
        const stolen = await evalAs(a, 'POST', `/v1/datasets/${ownDataset}/items:from-feedback`, {
          feedback_ids: [feedbackId],
        });
        expect(stolen.statusCode).toBe(400);
        expect(stolen.body).not.toContain(marker);
        expect(
          (await evalAs(a, 'POST', '/v1/feedback', { request_id: requestId, rating: 'up' })).statusCode,
        ).toBe(404);
        for (const url of ['/v1/datasets?limit=200', '/v1/eval-runs?limit=200', '/v1/feedback?limit=200']) {
          const listed = await evalAs(a, 'GET', url);
          expect(listed.statusCode).toBe(200);
          expect(listed.body).not.toContain(marker);
          expect(listed.body).not.toContain(datasetId);
        }
        // B's objects are untouched.
        expect((await evalAs(b, 'GET', `/v1/datasets/${datasetId}`)).json().item_count).toBe(2);
        expect((await evalAs(b, 'GET', `/v1/eval-runs/${runId}`)).json().status).toBe('succeeded');
        expect((await evalAs(b, 'GET', `/v1/feedback/${feedbackId}`)).statusCode).toBe(200);
      }),
      { numRuns: 8 },
    );
  });
});
