import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import type { AgentActionRecord, AgentRunRecord, AgentStore } from '../../src/modules/agents/index.ts';

const T0 = new Date('2026-11-21T10:00:00.000Z');

export function agentRun(overrides: Partial<AgentRunRecord> = {}): AgentRunRecord {
  return {
    id: `run_${randomUUID()}`,
    tenantId: 'tenant-a',
    apiKeyId: 'key_a',
    requestId: randomUUID(),
    status: 'queued',
    outcome: null,
    goal: 'Add two numbers',
    instructions: null,
    model: null,
    tools: ['calculator'],
    approvalRequired: [],
    limits: {
      maxSteps: 4,
      maxToolCalls: 8,
      maxTokens: 10_000,
      deadlineAt: new Date('2026-11-21T11:00:00.000Z'),
    },
    usage: { steps: 0, toolCalls: 0, inputTokens: 0, outputTokens: 0 },
    messages: [{ role: 'user', content: [{ type: 'text', text: 'Add two numbers' }] }],
    pendingCalls: [],
    pendingActionId: null,
    segment: 1,
    output: null,
    error: null,
    createdAt: T0,
    updatedAt: T0,
    finishedAt: null,
    ...overrides,
  };
}

export function agentAction(
  run: AgentRunRecord,
  overrides: Partial<AgentActionRecord> = {},
): AgentActionRecord {
  return {
    id: `act_${randomUUID()}`,
    runId: run.id,
    tenantId: run.tenantId,
    step: 1,
    toolCallId: 'call-1',
    toolName: 'calculator',
    arguments: { expression: '1 + 1' },
    status: 'succeeded',
    allowedBy: 'allow-list:key_a',
    decidedBy: null,
    decisionReason: null,
    result: { value: 2 },
    error: null,
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

/** The behaviour every AgentStore adapter must have; each adapter's test runs it. */
export function describeAgentStoreContract(name: string, createStore: () => Promise<AgentStore>): void {
  describe(`AgentStore contract: ${name}`, () => {
    let store: AgentStore;
    beforeEach(async () => {
      store = await createStore();
    });

    it('round-trips a run, readable by its tenant only', async () => {
      const run = agentRun({
        pendingCalls: [{ toolCallId: 'c', toolName: 'calculator', input: '{}', step: 1 }],
      });
      await store.createRun(run);
      expect(await store.getRun('tenant-a', run.id)).toEqual(run);
      expect(await store.getRun('tenant-b', run.id)).toBeUndefined();
    });

    it('updates only from the expected statuses (compare-and-set)', async () => {
      const run = agentRun({ status: 'awaiting_approval' });
      await store.createRun(run);
      const later = new Date(T0.getTime() + 1_000);
      const first = await store.updateRun('tenant-a', run.id, ['awaiting_approval'], {
        status: 'queued',
        segment: 2,
        updatedAt: later,
      });
      expect(first).toMatchObject({ status: 'queued', segment: 2, updatedAt: later });
      const second = await store.updateRun('tenant-a', run.id, ['awaiting_approval'], {
        status: 'queued',
        segment: 3,
        updatedAt: later,
      });
      expect(second).toBeUndefined();
      expect(
        await store.updateRun('tenant-b', run.id, ['queued'], { status: 'failed', updatedAt: later }),
      ).toBeUndefined();
      expect((await store.getRun('tenant-a', run.id))?.segment).toBe(2);
    });

    it('numbers events per run in order and pages after an id', async () => {
      const run = agentRun();
      await store.createRun(run);
      await store.appendEvents('tenant-a', run.id, [{ type: 'run-queued', data: {} }], T0);
      const appended = await store.appendEvents(
        'tenant-a',
        run.id,
        [
          { type: 'tool-call', data: { toolName: 'calculator' } },
          { type: 'tool-result', data: { ok: true } },
        ],
        T0,
      );
      expect(appended.map((event) => event.id)).toEqual([2, 3]);
      const after = await store.listEvents('tenant-a', run.id, 1, 10);
      expect(after.map((event) => [event.id, event.type, event.data])).toEqual([
        [2, 'tool-call', { toolName: 'calculator' }],
        [3, 'tool-result', { ok: true }],
      ]);
      expect(await store.listEvents('tenant-b', run.id, 0, 10)).toEqual([]);
      await expect(
        store.appendEvents('tenant-b', run.id, [{ type: 'run-started', data: {} }], T0),
      ).rejects.toThrow();
    });

    it('keeps the audit trail in order, replaces an action by id, and scopes it by tenant', async () => {
      const run = agentRun();
      await store.createRun(run);
      const first = agentAction(run, { status: 'awaiting_approval', result: null });
      const second = agentAction(run, { toolCallId: 'call-2', status: 'refused', step: 2 });
      await store.putAction(first);
      await store.putAction(second);
      await store.putAction({ ...first, status: 'approved', decidedBy: 'key_b', decisionReason: 'fine' });
      const actions = await store.listActions('tenant-a', run.id);
      expect(actions.map((action) => [action.toolCallId, action.status, action.decidedBy])).toEqual([
        ['call-1', 'approved', 'key_b'],
        ['call-2', 'refused', null],
      ]);
      expect(await store.getAction('tenant-a', first.id)).toMatchObject({ status: 'approved' });
      expect(await store.getAction('tenant-b', first.id)).toBeUndefined();
      expect(await store.listActions('tenant-b', run.id)).toEqual([]);
    });

    it('lists a tenant runs newest first with a cursor', async () => {
      const runs = [0, 1, 2].map((index) =>
        agentRun({ createdAt: new Date(T0.getTime() + index * 1_000), updatedAt: T0 }),
      );
      for (const run of runs) await store.createRun(run);
      await store.createRun(agentRun({ tenantId: 'tenant-b' }));
      const page = await store.listRuns('tenant-a', { limit: 2 });
      expect(page.items.map((run) => run.id)).toEqual([runs[2]?.id, runs[1]?.id]);
      expect(page.nextCursor).not.toBeNull();
      const next = await store.listRuns('tenant-a', { limit: 2, cursor: page.nextCursor ?? undefined });
      expect(next.items.map((run) => run.id)).toEqual([runs[0]?.id]);
      expect(next.nextCursor).toBeNull();
    });
  });
}
