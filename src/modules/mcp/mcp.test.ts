import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { MockLanguageModelV4 } from 'ai/test';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { answer } from '../../../test/support/gateway-fixtures.ts';
import { scriptedAgentModel, toolResults } from '../../../test/support/scripted-agent-model.ts';
import { buildTestApp, type TestApp } from '../../../test/support/test-app.ts';
import { MemoryAgentStore } from '../agents/index.ts';
import { mcpServerConfigSchema } from './mcp-config.ts';
import { McpToolSource } from './mcp-tool-source.ts';

const ADMIN_KEY = 'keel-admin-key-for-mcp-tests-0123456789';
const admin = { authorization: `Bearer ${ADMIN_KEY}` };
const FIXTURE = path.resolve(import.meta.dirname, '../../../test/fixtures/mcp-stdio/server.ts');
const scratch = mkdtempSync(path.join(tmpdir(), 'keel-mcp-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let app: TestApp | undefined;
const sources: McpToolSource[] = [];
afterEach(async () => {
  await app?.close();
  app = undefined;
  await Promise.all(sources.splice(0).map((source) => source.close()));
});

/** The official SDK client's fetch, answered by the app in process (no port). */
function injectFetch(target: TestApp): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((value, name) => {
      headers[name] = value;
    });
    const response = await target.app.inject({
      method: (init?.method ?? 'GET') as 'GET' | 'POST' | 'DELETE',
      url: url.pathname + url.search,
      headers,
      ...(typeof init?.body === 'string' ? { payload: init.body } : {}),
    });
    const responseHeaders = new Headers();
    for (const [name, value] of Object.entries(response.headers)) {
      if (value !== undefined)
        responseHeaders.set(name, Array.isArray(value) ? value.join(', ') : String(value));
    }
    return new Response(response.statusCode === 202 || response.body === '' ? null : response.body, {
      status: response.statusCode,
      headers: responseHeaders,
    });
  }) as typeof fetch;
}

async function connect(target: TestApp, token: string): Promise<Client> {
  const client = new Client({ name: 'keel-test-client', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL('http://keel.test/mcp'), {
      fetch: injectFetch(target),
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    }),
  );
  return client;
}

describe('Keel as an MCP server (POST /mcp)', () => {
  it("lists and calls the capabilities and tools a key's scopes grant, with the official SDK client", async () => {
    app = await buildTestApp({
      adminKey: ADMIN_KEY,
      model: new MockLanguageModelV4({
        provider: 'mock',
        modelId: 'm',
        doGenerate: answer('Paris is the capital.'),
      }),
    });
    const { token } = await app.keys.create({
      name: 'desktop',
      tenantId: 'acme',
      scopes: ['mcp:connect', 'capability:generate', 'tools:calculator'],
    });
    const client = await connect(app, token);
    try {
      const { tools } = await client.listTools();
      const names = tools.map((tool) => tool.name).sort();
      expect(names).toEqual(['calculator', 'generate']);
      const generate = tools.find((tool) => tool.name === 'generate');
      expect(generate?.inputSchema).toMatchObject({
        type: 'object',
        properties: { user_input: { type: 'string' } },
      });
      expect(tools.find((tool) => tool.name === 'calculator')?.annotations).toMatchObject({
        readOnlyHint: true,
      });

      const sum = await client.callTool({ name: 'calculator', arguments: { expression: '2 + 3 * 4' } });
      expect(sum.isError).toBeFalsy();
      expect(sum.structuredContent).toEqual({ expression: '2 + 3 * 4', value: 14 });

      const generated = await client.callTool({
        name: 'generate',
        arguments: { user_input: 'Capital of France?' },
      });
      expect(generated.isError).toBeFalsy();
      expect(generated.structuredContent).toMatchObject({ answer: 'Paris is the capital.' });

      const invalid = await client.callTool({ name: 'calculator', arguments: { expression: 12 } });
      expect(invalid.isError).toBe(true);
      expect(JSON.stringify(invalid.content)).toContain('TOOL_INPUT_INVALID');
      const hidden = await client.callTool({ name: 'current_time', arguments: {} });
      expect(hidden.isError).toBe(true);
    } finally {
      await client.close();
    }
  });

  it('serves a real HTTP connection too (listening socket, the SDK default fetch)', async () => {
    app = await buildTestApp({ adminKey: ADMIN_KEY });
    const address = await app.app.listen({ host: '127.0.0.1', port: 0 });
    const client = new Client({ name: 'keel-test-client', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${address}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${ADMIN_KEY}` } },
      }),
    );
    try {
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name)).toEqual(
        expect.arrayContaining(['calculator', 'search', 'generate']),
      );
      const result = await client.callTool({ name: 'calculator', arguments: { expression: 'sqrt(81)' } });
      expect(result.structuredContent).toEqual({ expression: 'sqrt(81)', value: 9 });
    } finally {
      await client.close();
    }
  });

  it('refuses clients without a key or without mcp:connect, and answers 405 to GET', async () => {
    app = await buildTestApp({ adminKey: ADMIN_KEY });
    const { token } = await app.keys.create({
      name: 'no-mcp',
      tenantId: 'acme',
      scopes: ['tools:calculator'],
    });
    await expect(connect(app, 'keel_not_a_key')).rejects.toThrow();
    await expect(connect(app, token)).rejects.toThrow();
    const get = await app.app.inject({ method: 'GET', url: '/mcp', headers: admin });
    expect(get.statusCode).toBe(405);
    expect(get.json()).toMatchObject({ code: 'MCP_METHOD_NOT_ALLOWED' });
  });
});

describe('Keel as an MCP client (stdio server started by the test)', () => {
  function fixtureSource(notes: string) {
    const source = new McpToolSource(
      mcpServerConfigSchema.parse({
        name: 'fixture',
        transport: 'stdio',
        command: process.execPath,
        args: [FIXTURE],
        env: { KEEL_MCP_FIXTURE_NOTES: notes },
        toolEffects: { lookup_forecast: 'read' },
        timeoutMs: 10_000,
      }),
    );
    sources.push(source);
    return source;
  }

  it("lists the server's tools, calls them directly, and lets an agent use one", async () => {
    const notes = path.join(scratch, 'notes-1.txt');
    const { model, calls } = scriptedAgentModel((prompt, step) =>
      step === 1
        ? { calls: [{ name: 'mcp_fixture_lookup_forecast', input: { city: 'O' } }] }
        : step === 2
          ? { calls: [{ name: 'mcp_fixture_lookup_forecast', input: { city: 'Oslo', days: 2 } }] }
          : step === 3 && toolResults(prompt).some((result) => result.includes('Sunny in Oslo'))
            ? { text: 'It will be sunny in Oslo.' }
            : undefined,
    );
    app = await buildTestApp({
      adminKey: ADMIN_KEY,
      model,
      agents: { store: new MemoryAgentStore(), mcpSources: [fixtureSource(notes)] },
    });
    const list = (await app.app.inject({ method: 'GET', url: '/v1/tools', headers: admin })).json() as {
      items: Array<Record<string, unknown>>;
    };
    const listed = list.items.filter((tool) => tool.source === 'mcp');
    expect(listed.map((tool) => [tool.name, tool.effect, tool.scope])).toEqual([
      ['mcp_fixture_lookup_forecast', 'read', 'tools:mcp-fixture-lookup-forecast'],
      ['mcp_fixture_record_note', 'external', 'tools:mcp-fixture-record-note'],
      ['mcp_fixture_fail_always', 'external', 'tools:mcp-fixture-fail-always'],
    ]);

    const direct = await app.app.inject({
      method: 'POST',
      url: '/v1/tools/mcp_fixture_lookup_forecast',
      headers: admin,
      payload: { city: 'Bergen' },
    });
    expect(direct.json()).toEqual({
      tool: 'mcp_fixture_lookup_forecast',
      output: { city: 'Bergen', forecast: 'Sunny in Bergen', days: 1 },
    });
    const failing = await app.app.inject({
      method: 'POST',
      url: '/v1/tools/mcp_fixture_fail_always',
      headers: admin,
      payload: {},
    });
    expect(failing.statusCode).toBe(502);
    expect(failing.json()).toMatchObject({ code: 'TOOL_FAILED' });

    const created = await app.app.inject({
      method: 'POST',
      url: '/v1/agents/runs',
      headers: admin,
      payload: { goal: 'Weather in Oslo?', tools: ['mcp_fixture_lookup_forecast'] },
    });
    expect(created.statusCode).toBe(202);
    const id = (created.json() as { id: string }).id;
    let run: Record<string, unknown> = {};
    for (let attempt = 0; attempt < 500; attempt += 1) {
      run = (
        await app.app.inject({ method: 'GET', url: `/v1/agents/runs/${id}`, headers: admin })
      ).json() as Record<string, unknown>;
      if (run.status === 'succeeded' || run.status === 'failed') break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(run).toMatchObject({ status: 'succeeded', output: 'It will be sunny in Oslo.' });
    // Validation against the server's JSON Schema happened in Keel: the short city never reached the server.
    expect(toolResults(calls[1]?.prompt ?? [])[0]).toContain('TOOL_INPUT_INVALID');
    const trail = (
      (
        await app.app.inject({ method: 'GET', url: `/v1/agents/runs/${id}/actions`, headers: admin })
      ).json() as {
        items: Array<Record<string, unknown>>;
      }
    ).items;
    expect(trail.map((action) => action.status)).toEqual(['invalid', 'succeeded']);
    expect(trail[1]?.result).toEqual({ city: 'Oslo', forecast: 'Sunny in Oslo', days: 2 });
  });

  it('an MCP tool with effects waits for approval and never runs when rejected', async () => {
    const notes = path.join(scratch, 'notes-2.txt');
    const { model } = scriptedAgentModel((_prompt, step) =>
      step === 1
        ? { calls: [{ name: 'mcp_fixture_record_note', input: { note: 'hello' } }] }
        : step === 2
          ? { text: 'Not recorded.' }
          : undefined,
    );
    app = await buildTestApp({
      adminKey: ADMIN_KEY,
      model,
      agents: { store: new MemoryAgentStore(), mcpSources: [fixtureSource(notes)] },
    });
    const created = await app.app.inject({
      method: 'POST',
      url: '/v1/agents/runs',
      headers: admin,
      payload: { goal: 'Record hello', tools: ['mcp_fixture_record_note'] },
    });
    const id = (created.json() as { id: string }).id;
    expect(created.json()).toMatchObject({ approval_required: ['mcp_fixture_record_note'] });
    let run: Record<string, unknown> = {};
    for (let attempt = 0; attempt < 500 && run.status !== 'awaiting_approval'; attempt += 1) {
      run = (
        await app.app.inject({ method: 'GET', url: `/v1/agents/runs/${id}`, headers: admin })
      ).json() as Record<string, unknown>;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(run.status).toBe('awaiting_approval');
    await app.app.inject({
      method: 'POST',
      url: `/v1/agents/runs/${id}/reject`,
      headers: admin,
      payload: {},
    });
    for (let attempt = 0; attempt < 500 && run.status !== 'succeeded'; attempt += 1) {
      run = (
        await app.app.inject({ method: 'GET', url: `/v1/agents/runs/${id}`, headers: admin })
      ).json() as Record<string, unknown>;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(run).toMatchObject({ status: 'succeeded', output: 'Not recorded.' });
    expect(existsSync(notes) ? readFileSync(notes, 'utf8') : '').toBe('');
  });

  it('leaves a server that cannot start out of the listing, and says why when used', async () => {
    const broken = new McpToolSource(
      mcpServerConfigSchema.parse({
        name: 'broken',
        transport: 'stdio',
        command: path.join(scratch, 'no-such-command'),
        timeoutMs: 2_000,
      }),
    );
    sources.push(broken);
    app = await buildTestApp({
      adminKey: ADMIN_KEY,
      agents: { store: new MemoryAgentStore(), mcpSources: [broken] },
    });
    const list = await app.app.inject({ method: 'GET', url: '/v1/tools', headers: admin });
    expect(list.statusCode).toBe(200);
    expect(
      (list.json() as { items: Array<{ source: string }> }).items.some((tool) => tool.source === 'mcp'),
    ).toBe(false);
    expect(
      app.logs.lines.some((line) => line.msg === 'MCP server tools unavailable' && line.source === 'broken'),
    ).toBe(true);
    await expect(broken.tools()).rejects.toMatchObject({ code: 'MCP_SERVER_UNAVAILABLE' });
  });
});
