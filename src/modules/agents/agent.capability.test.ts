import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { scriptedAgentModel, toolResults } from '../../../test/support/scripted-agent-model.ts';
import { buildTestApp, type TestApp } from '../../../test/support/test-app.ts';
import { defineTool } from '../tools/index.ts';
import { MemoryAgentStore } from './memory-agent-store.ts';

const ADMIN_KEY = 'keel-admin-key-for-agent-capability-0123';
const admin = { authorization: `Bearer ${ADMIN_KEY}` };

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

function calculatorScript() {
  return scriptedAgentModel((prompt, step) => {
    if (step === 1) return { calls: [{ name: 'calculator', input: { expression: '0.17 * 2340' } }] };
    return { text: `It is ${toolResults(prompt).join(' ')}.` };
  });
}

async function start(
  model: ReturnType<typeof scriptedAgentModel>['model'],
  extra: Parameters<typeof buildTestApp>[0] = {},
) {
  app = await buildTestApp({
    model,
    adminKey: ADMIN_KEY,
    agents: { store: new MemoryAgentStore(), streamPollMs: 20 },
    ...extra,
  });
  return app;
}

describe('the agent capability (POST /v1/agent)', () => {
  it('runs the agent and answers its finished run, synchronously', async () => {
    const { model, calls } = calculatorScript();
    const test = await start(model);
    const response = await test.app.inject({
      method: 'POST',
      url: '/v1/agent',
      headers: admin,
      payload: { goal: 'What is 17% of 2340?', tools: ['calculator'] },
    });
    expect(response.statusCode).toBe(200);
    const run = response.json();
    expect(run).toMatchObject({ status: 'succeeded', outcome: 'completed' });
    expect(run.output).toContain('397.8');
    expect(run.usage).toMatchObject({ steps: 2, tool_calls: 1 });
    expect(calls).toHaveLength(2);
    // The same run is visible through the runs API.
    const again = await test.app.inject({ method: 'GET', url: `/v1/agents/runs/${run.id}`, headers: admin });
    expect(again.json().status).toBe('succeeded');
  });

  it('streams the text of the run and ends with done carrying the run', async () => {
    const { model } = calculatorScript();
    const test = await start(model);
    const response = await test.app.inject({
      method: 'POST',
      url: '/v1/agent',
      headers: { ...admin, accept: 'text/event-stream' },
      payload: { goal: 'What is 17% of 2340?', tools: ['calculator'] },
    });
    expect(response.statusCode).toBe(200);
    const names = [...response.body.matchAll(/^event: (.+)$/gm)].map((match) => match[1]);
    expect(names).toContain('text-delta');
    expect(names.at(-1)).toBe('done');
    expect(response.body).toContain('397.8');
  });

  it('answers a run that waits for approval with its pending action, and refuses tools the key may not allow', async () => {
    const sent: unknown[] = [];
    const sendEmail = defineTool({
      name: 'send_email',
      description: 'Sends an email.',
      input: z.object({ to: z.email(), body: z.string() }),
      output: z.object({ sent: z.boolean() }),
      effect: 'external',
      run: async (input) => {
        sent.push(input);
        return { sent: true };
      },
    });
    const { model } = scriptedAgentModel((_prompt, step) =>
      step === 1
        ? { calls: [{ name: 'send_email', input: { to: 'a@example.com', body: 'hi' } }] }
        : { text: 'done' },
    );
    const test = await start(model, {
      agents: { store: new MemoryAgentStore(), streamPollMs: 20, tools: [sendEmail] },
    });
    const paused = await test.app.inject({
      method: 'POST',
      url: '/v1/agent',
      headers: admin,
      payload: { goal: 'Email a@example.com', tools: ['send_email'] },
    });
    expect(paused.json()).toMatchObject({
      status: 'awaiting_approval',
      pending_action: { tool_name: 'send_email' },
    });
    expect(sent).toEqual([]);

    const { token } = await test.keys.create({
      name: 'narrow',
      tenantId: 'default',
      scopes: ['capability:agent'],
    });
    const refused = await test.app.inject({
      method: 'POST',
      url: '/v1/agent',
      headers: { authorization: `Bearer ${token}` },
      payload: { goal: 'Email someone', tools: ['send_email'] },
    });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().code).toBe('AGENT_TOOL_NOT_PERMITTED');
  });

  it('needs a model, and has no job route (runs are the job form)', async () => {
    app = await buildTestApp({ adminKey: ADMIN_KEY, agents: { store: new MemoryAgentStore() } });
    const response = await app.app.inject({
      method: 'POST',
      url: '/v1/agent',
      headers: admin,
      payload: { goal: 'Anything', tools: [] },
    });
    expect(response.statusCode).toBe(503);
    expect(response.json().code).toBe('MODEL_NOT_CONFIGURED');
    const job = await app.app.inject({
      method: 'POST',
      url: '/v1/agent/jobs',
      headers: admin,
      payload: { goal: 'Anything', tools: [] },
    });
    expect(job.statusCode).toBe(404);
  });
});
