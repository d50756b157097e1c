import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { scriptedAgentModel, toolResults } from '../../../test/support/scripted-agent-model.ts';
import { buildTestApp, type TestApp } from '../../../test/support/test-app.ts';
import { defineTool } from '../tools/index.ts';
import { MemoryAgentStore } from './memory-agent-store.ts';

const ADMIN_KEY = 'keel-admin-key-for-agent-tests-0123456789';
const admin = { authorization: `Bearer ${ADMIN_KEY}` };

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** A tool with effects, counting how often it really ran. */
function sendEmailTool() {
  const sent: unknown[] = [];
  const tool = defineTool({
    name: 'send_email',
    description: 'Sends an email.',
    input: z.object({ to: z.email(), body: z.string().max(1_000) }),
    output: z.object({ sent: z.boolean() }),
    effect: 'external',
    run: async (input) => {
      sent.push(input);
      return { sent: true };
    },
  });
  return { tool, sent };
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

async function createRun(body: Record<string, unknown>, headers = admin) {
  const response = await app?.app.inject({ method: 'POST', url: '/v1/agents/runs', headers, payload: body });
  if (!response) throw new Error('no app');
  return response;
}

async function settle(id: string, headers = admin): Promise<Record<string, unknown>> {
  for (let attempt = 0; attempt < 400; attempt += 1) {
    const response = await app?.app.inject({ method: 'GET', url: `/v1/agents/runs/${id}`, headers });
    const run = response?.json() as Record<string, unknown>;
    if (['succeeded', 'failed', 'cancelled', 'awaiting_approval'].includes(run.status as string)) return run;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`run ${id} did not settle`);
}

async function actions(id: string) {
  const response = await (app as TestApp).app.inject({
    method: 'GET',
    url: `/v1/agents/runs/${id}/actions`,
    headers: admin,
  });
  return (response.json() as { items: Array<Record<string, unknown>> }).items;
}

async function events(id: string) {
  const response = await (app as TestApp).app.inject({
    method: 'GET',
    url: `/v1/agents/runs/${id}/events`,
    headers: admin,
  });
  return (response.json() as { items: Array<{ type: string; data: Record<string, unknown> }> }).items;
}

describe('tools over HTTP', () => {
  it('lists tools with JSON Schemas and calls one directly, without any model', async () => {
    app = await buildTestApp({ adminKey: ADMIN_KEY });
    const list = await app.app.inject({ method: 'GET', url: '/v1/tools', headers: admin });
    expect(list.statusCode).toBe(200);
    const tools = (list.json() as { items: Array<Record<string, unknown>> }).items;
    const names = tools.map((tool) => tool.name);
    expect(names).toEqual(
      expect.arrayContaining(['search', 'fetch_document', 'calculator', 'current_time', 'generate']),
    );
    expect(tools.find((tool) => tool.name === 'calculator')).toMatchObject({
      effect: 'read',
      source: 'builtin',
      scope: 'tools:calculator',
      input_schema: { type: 'object', properties: { expression: { type: 'string' } } },
    });
    expect(tools.find((tool) => tool.name === 'generate')).toMatchObject({
      source: 'capability',
      scope: 'capability:generate',
    });

    const call = await app.app.inject({
      method: 'POST',
      url: '/v1/tools/calculator',
      headers: admin,
      payload: { expression: '(3 + 4) * 2 ^ 3' },
    });
    expect(call.statusCode).toBe(200);
    expect(call.json()).toEqual({ tool: 'calculator', output: { expression: '(3 + 4) * 2 ^ 3', value: 56 } });

    const invalid = await app.app.inject({
      method: 'POST',
      url: '/v1/tools/calculator',
      headers: admin,
      payload: { expression: 7 },
    });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json()).toMatchObject({
      code: 'TOOL_INPUT_INVALID',
      errors: [{ pointer: '/body/expression' }],
    });
    const unknown = await app.app.inject({
      method: 'POST',
      url: '/v1/tools/nope',
      headers: admin,
      payload: {},
    });
    expect(unknown.json()).toMatchObject({ status: 404, code: 'TOOL_NOT_FOUND' });
    const time = await app.app.inject({
      method: 'POST',
      url: '/v1/tools/current_time',
      headers: admin,
      payload: { time_zone: 'Europe/Paris' },
    });
    expect(time.json()).toMatchObject({ output: { time_zone: 'Europe/Paris' } });

    // Without a model, runs are refused but tools stay callable (above).
    const run = await createRun({ goal: 'anything', tools: ['calculator'] });
    expect(run.statusCode).toBe(503);
    expect(run.json()).toMatchObject({ code: 'MODEL_NOT_CONFIGURED' });
  });

  it("checks each tool's scope on direct calls", async () => {
    app = await buildTestApp({ adminKey: ADMIN_KEY });
    const { token } = await app.keys.create({
      name: 'calc',
      tenantId: 'acme',
      scopes: ['tools:call', 'tools:calculator'],
    });
    const headers = { authorization: `Bearer ${token}` };
    const ok = await app.app.inject({
      method: 'POST',
      url: '/v1/tools/calculator',
      headers,
      payload: { expression: '1+1' },
    });
    expect(ok.statusCode).toBe(200);
    const refused = await app.app.inject({
      method: 'POST',
      url: '/v1/tools/current_time',
      headers,
      payload: {},
    });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({
      code: 'AUTH_SCOPE_MISSING',
      required_scope: 'tools:current-time',
    });
  });
});

describe('agent runs driven by a scripted model', () => {
  it('feeds invalid arguments back without executing, then completes', async () => {
    const { model, calls } = scriptedAgentModel((_prompt, step) =>
      step === 1
        ? { calls: [{ name: 'calculator', input: { expression: 42 } }] }
        : step === 2
          ? { text: 'Let me retry.', calls: [{ name: 'calculator', input: { expression: '6 * 7' } }] }
          : step === 3
            ? { text: 'The answer is 42.' }
            : undefined,
    );
    await start(model);
    const created = await createRun({ goal: 'What is 6 times 7?', tools: ['calculator'] });
    expect(created.statusCode).toBe(202);
    const { id } = created.json() as { id: string };
    const run = await settle(id);
    expect(run).toMatchObject({
      status: 'succeeded',
      outcome: 'completed',
      output: 'The answer is 42.',
      usage: { steps: 3, tool_calls: 2, input_tokens: 30, output_tokens: 15 },
      error: null,
    });
    // The model was offered the allowed tool with its JSON Schema, and read the validation error back.
    expect(calls[0]?.tools?.map((tool) => tool.name)).toEqual(['calculator']);
    const fedBack = toolResults(calls[1]?.prompt ?? []);
    expect(fedBack[0]).toContain('TOOL_INPUT_INVALID');
    expect(fedBack[0]).toContain('/expression');
    expect(toolResults(calls[2]?.prompt ?? [])[1]).toContain('"value":42');
    const trail = await actions(id);
    expect(trail.map((action) => [action.tool_name, action.status])).toEqual([
      ['calculator', 'invalid'],
      ['calculator', 'succeeded'],
    ]);
    expect(trail[1]).toMatchObject({ allowed_by: 'allow-list:admin', result: { value: 42 } });
    const types = (await events(id)).map((event) => event.type);
    expect(types).toEqual([
      'run-queued',
      'run-started',
      'step-finished',
      'tool-call',
      'tool-result',
      'text-delta',
      'step-finished',
      'tool-call',
      'tool-result',
      'text-delta',
      'step-finished',
      'run-succeeded',
    ]);
  });

  it('stops at the step limit with a clear outcome', async () => {
    const { model, calls } = scriptedAgentModel(() => ({
      text: 'Checking the time again.',
      calls: [{ name: 'current_time', input: {} }],
    }));
    await start(model);
    const created = await createRun({
      goal: 'Loop forever',
      tools: ['current_time'],
      limits: { max_steps: 3 },
    });
    const run = await settle((created.json() as { id: string }).id);
    expect(run).toMatchObject({
      status: 'failed',
      outcome: 'step-limit',
      error: { code: 'AGENT_STEP_LIMIT_REACHED' },
      usage: { steps: 3, tool_calls: 3 },
      output: 'Checking the time again.',
    });
    expect(calls).toHaveLength(3);
  });

  it('stops at the tool-call limit', async () => {
    const { model } = scriptedAgentModel(() => ({
      calls: [
        { name: 'current_time', input: {} },
        { name: 'current_time', input: {} },
      ],
    }));
    await start(model);
    const created = await createRun({
      goal: 'Many calls',
      tools: ['current_time'],
      limits: { max_tool_calls: 3 },
    });
    const run = await settle((created.json() as { id: string }).id);
    expect(run).toMatchObject({ status: 'failed', outcome: 'tool-call-limit', usage: { tool_calls: 3 } });
  });

  it('stops at the deadline (wall clock, checked before each step)', async () => {
    let offsetMs = 0;
    const clock = { now: () => new Date(Date.now() + offsetMs) };
    const slow = defineTool({
      name: 'slow_lookup',
      description: 'Takes a long time (it moves the clock past the deadline).',
      input: z.object({}),
      output: z.object({ done: z.boolean() }),
      effect: 'read',
      run: async () => {
        offsetMs += 2 * 3_600_000;
        return { done: true };
      },
    });
    const { model, calls } = scriptedAgentModel((_prompt, step) =>
      step === 1 ? { text: 'Looking it up.', calls: [{ name: 'slow_lookup', input: {} }] } : undefined,
    );
    await start(model, { clock, agents: { store: new MemoryAgentStore(), tools: [slow] } });
    const created = await createRun({
      goal: 'Slow',
      tools: ['slow_lookup'],
      limits: { deadline_ms: 60_000 },
    });
    const run = await settle((created.json() as { id: string }).id);
    expect(run).toMatchObject({
      status: 'failed',
      outcome: 'deadline',
      error: { code: 'AGENT_DEADLINE_EXCEEDED' },
      output: 'Looking it up.',
    });
    expect(calls).toHaveLength(1);
    expect(await actions(run.id as string)).toMatchObject([
      { tool_name: 'slow_lookup', status: 'succeeded' },
    ]);
  });

  it('refuses a tool outside the allow-list and never runs it', async () => {
    const { tool, sent } = sendEmailTool();
    const { model, calls } = scriptedAgentModel((_prompt, step) =>
      step === 1
        ? { calls: [{ name: 'send_email', input: { to: 'a@example.com', body: 'hi' } }] }
        : step === 2
          ? { text: 'I may not send email.' }
          : undefined,
    );
    await start(model, { agents: { store: new MemoryAgentStore(), tools: [tool] } });
    const created = await createRun({ goal: 'Email a@example.com', tools: ['calculator'] });
    const run = await settle((created.json() as { id: string }).id);
    expect(run).toMatchObject({ status: 'succeeded', output: 'I may not send email.' });
    expect(sent).toEqual([]);
    expect(toolResults(calls[1]?.prompt ?? [])[0]).toContain('not allowed in this run');
    const trail = await actions(run.id as string);
    expect(trail).toMatchObject([
      { tool_name: 'send_email', status: 'refused', error: { code: 'AGENT_TOOL_REFUSED' } },
    ]);
  });

  it("refuses an allow-list the key's scopes do not grant", async () => {
    const { model } = scriptedAgentModel(() => undefined);
    await start(model);
    const { token } = await (app as TestApp).keys.create({
      name: 'agent',
      tenantId: 'acme',
      scopes: ['agents:run', 'agents:read', 'tools:calculator'],
    });
    const headers = { authorization: `Bearer ${token}` };
    const refused = await createRun(
      { goal: 'x', tools: ['calculator', 'current_time', 'generate'] },
      headers,
    );
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({
      code: 'AGENT_TOOL_NOT_PERMITTED',
      tools: [
        { tool: 'current_time', required_scope: 'tools:current-time' },
        { tool: 'generate', required_scope: 'capability:generate' },
      ],
    });
    const unknown = await createRun({ goal: 'x', tools: ['nope'] }, headers);
    expect(unknown.json()).toMatchObject({ status: 400, code: 'AGENT_TOOL_UNKNOWN' });
  });

  it('pauses a write call for approval, and a rejection never runs it', async () => {
    const { tool, sent } = sendEmailTool();
    const { model, calls } = scriptedAgentModel((_prompt, step) =>
      step === 1
        ? { calls: [{ name: 'send_email', input: { to: 'boss@example.com', body: 'I quit' } }] }
        : step === 2
          ? { text: 'The email was not sent.' }
          : undefined,
    );
    await start(model, { agents: { store: new MemoryAgentStore(), tools: [tool] } });
    const created = await createRun({ goal: 'Email my boss', tools: ['send_email'] });
    expect(created.json()).toMatchObject({ approval_required: ['send_email'] });
    const id = (created.json() as { id: string }).id;
    const paused = await settle(id);
    expect(paused).toMatchObject({
      status: 'awaiting_approval',
      pending_action: {
        tool_name: 'send_email',
        status: 'awaiting_approval',
        arguments: { to: 'boss@example.com' },
      },
    });
    expect(sent).toEqual([]);
    const actionId = (paused.pending_action as { id: string }).id;

    const wrong = await app?.app.inject({
      method: 'POST',
      url: `/v1/agents/runs/${id}/reject`,
      headers: admin,
      payload: { action_id: 'act_other' },
    });
    expect(wrong?.statusCode).toBe(409);
    const rejected = await app?.app.inject({
      method: 'POST',
      url: `/v1/agents/runs/${id}/reject`,
      headers: admin,
      payload: { action_id: actionId, reason: 'not today' },
    });
    expect(rejected?.statusCode).toBe(200);
    const again = await app?.app.inject({
      method: 'POST',
      url: `/v1/agents/runs/${id}/approve`,
      headers: admin,
      payload: {},
    });
    expect(again?.statusCode).toBe(409);
    expect(again?.json()).toMatchObject({ code: 'AGENT_RUN_NOT_AWAITING_APPROVAL' });

    const done = await settle(id);
    expect(done).toMatchObject({ status: 'succeeded', output: 'The email was not sent.' });
    expect(sent).toEqual([]);
    expect(toolResults(calls[1]?.prompt ?? [])[0]).toContain('rejected this call: not today');
    const trail = await actions(id);
    expect(trail).toMatchObject([
      {
        status: 'rejected',
        decided_by: 'admin',
        decision_reason: 'not today',
        allowed_by: 'allow-list:admin',
      },
    ]);
    const types = (await events(id)).map((event) => event.type);
    expect(types).toContain('approval-requested');
    expect(types).toContain('approval-decided');
  });

  it('streams events over SSE until the run pauses or ends', async () => {
    const { model } = scriptedAgentModel((_prompt, step) => (step === 1 ? { text: 'Hello.' } : undefined));
    await start(model);
    const created = await createRun({ goal: 'Say hello', tools: [] });
    const id = (created.json() as { id: string }).id;
    const stream = await app?.app.inject({
      method: 'GET',
      url: `/v1/agents/runs/${id}/stream`,
      headers: admin,
    });
    expect(stream?.headers['content-type']).toContain('text/event-stream');
    const body = stream?.body ?? '';
    expect(body).toContain('event: text-delta');
    expect(body.trim().endsWith('}')).toBe(true);
    expect(body).toContain('event: run-succeeded');
    const resumed = await app?.app.inject({
      method: 'GET',
      url: `/v1/agents/runs/${id}/stream`,
      headers: { ...admin, 'last-event-id': '3' },
    });
    expect(resumed?.body).not.toContain('id: 3\n');
    expect(resumed?.body).toContain('id: 4\n');
  });

  it('cancels a paused run and rejects its pending call', async () => {
    const { tool, sent } = sendEmailTool();
    const { model } = scriptedAgentModel((_prompt, step) =>
      step === 1 ? { calls: [{ name: 'send_email', input: { to: 'a@example.com', body: 'x' } }] } : undefined,
    );
    await start(model, { agents: { store: new MemoryAgentStore(), tools: [tool] } });
    const id = ((await createRun({ goal: 'Email', tools: ['send_email'] })).json() as { id: string }).id;
    await settle(id);
    const cancelled = await app?.app.inject({
      method: 'POST',
      url: `/v1/agents/runs/${id}/cancel`,
      headers: admin,
    });
    expect(cancelled?.json()).toMatchObject({ status: 'cancelled', outcome: 'cancelled' });
    expect((await actions(id))[0]).toMatchObject({
      status: 'rejected',
      decision_reason: 'the run was cancelled',
    });
    const twice = await app?.app.inject({
      method: 'POST',
      url: `/v1/agents/runs/${id}/cancel`,
      headers: admin,
    });
    expect(twice?.json()).toMatchObject({ status: 409, code: 'AGENT_RUN_FINISHED' });
    expect(sent).toEqual([]);
  });
});
