import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeOpenAI, startFakeOpenAI } from '../../../test/fixtures/fake-openai/index.ts';
import { FAST_RESILIENCE } from '../../../test/support/gateway-fixtures.ts';
import { buildTestApp, type TestApp } from '../../../test/support/test-app.ts';
import { emptyGatewaySettings, Gateway } from '../gateway/index.ts';
import { MemoryAgentStore } from './memory-agent-store.ts';

// The real path: the gateway's OpenAI-compatible provider against a fake server that answers with
// function tool calls, so native tool calling (request `tools`, response `tool_calls`) is exercised end to end.
describe('agent runs over an OpenAI-compatible provider', () => {
  let app: TestApp;
  let upstream: FakeOpenAI;
  beforeAll(async () => {
    upstream = await startFakeOpenAI({ reply: () => 'The result is 1024.' });
    const models = new Gateway({
      settings: emptyGatewaySettings({
        providers: [
          {
            name: 'fake',
            kind: 'openai-compatible',
            baseUrl: upstream.url,
            apiKey: 'test-key',
            headers: {},
            structuredOutputs: false,
          },
        ],
        aliases: [{ name: 'default', deployments: [{ ref: 'fake:fake-model', weight: 1 }], fallbacks: [] }],
        resilience: { ...FAST_RESILIENCE, maxAttempts: 1 },
      }),
    });
    app = await buildTestApp({ models, agents: { store: new MemoryAgentStore() } });
  });
  afterAll(async () => {
    await app?.close();
    await upstream?.close();
  });

  it('sends the allowed tools, runs the returned call, feeds the result back, and ends with the answer', async () => {
    upstream.enqueueFaults(
      { kind: 'tool-call', name: 'calculator', arguments: '{"expression":"oops"}' },
      { kind: 'tool-call', name: 'calculator', arguments: '{"expression":"2 ^ 10"}' },
    );
    const created = await app.app.inject({
      method: 'POST',
      url: '/v1/agents/runs',
      payload: { goal: 'What is 2 to the 10th?', tools: ['calculator'] },
    });
    expect(created.statusCode).toBe(202);
    const id = (created.json() as { id: string }).id;
    let run: Record<string, unknown> = {};
    for (let attempt = 0; attempt < 500; attempt += 1) {
      run = (await app.app.inject({ method: 'GET', url: `/v1/agents/runs/${id}` })).json() as Record<
        string,
        unknown
      >;
      if (run.status === 'succeeded' || run.status === 'failed') break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(run).toMatchObject({
      status: 'succeeded',
      output: 'The result is 1024.',
      usage: { steps: 3, tool_calls: 2 },
    });
    const bodies = upstream.requests
      .filter((request) => request.path.endsWith('/chat/completions'))
      .map(
        (request) =>
          request.body as {
            tools?: Array<{ function: { name: string } }>;
            messages: Array<Record<string, unknown>>;
          },
      );
    expect(bodies).toHaveLength(3);
    expect(bodies[0]?.tools?.map((tool) => tool.function.name)).toEqual(['calculator']);
    // The expression error went back as a tool message, then the value.
    const toolMessages = (bodies[2]?.messages ?? []).filter((message) => message.role === 'tool');
    expect(JSON.stringify(toolMessages[0])).toContain('TOOL_EXPRESSION_INVALID');
    expect(JSON.stringify(toolMessages[1])).toContain('1024');
    const trail = (
      (await app.app.inject({ method: 'GET', url: `/v1/agents/runs/${id}/actions` })).json() as {
        items: Array<Record<string, unknown>>;
      }
    ).items;
    expect(
      trail.map((action) => [action.status, (action.error as { code?: string } | null)?.code ?? null]),
    ).toEqual([
      ['failed', 'TOOL_EXPRESSION_INVALID'],
      ['succeeded', null],
    ]);
  });
});
