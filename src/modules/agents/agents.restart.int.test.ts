import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { LanguageModelV4Prompt } from '@ai-sdk/provider';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { embeddedTarget } from '../../../test/support/embedded-database.ts';
import { scriptedAgentModel, toolResults } from '../../../test/support/scripted-agent-model.ts';
import { buildTestApp, type TestApp } from '../../../test/support/test-app.ts';
import { type Database, openMigratedDatabase } from '../../platform/db/index.ts';
import { defineTool } from '../tools/index.ts';
import { SqlAgentStore } from './sql-agent-store.ts';

const ADMIN_KEY = 'keel-admin-key-for-agent-restart-0123456789';
const admin = { authorization: `Bearer ${ADMIN_KEY}` };
const dataDir = mkdtempSync(path.join(tmpdir(), 'keel-agents-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const delivered: unknown[] = [];
const sendEmail = defineTool({
  name: 'send_email',
  description: 'Sends an email.',
  input: z.object({ to: z.email(), body: z.string() }),
  output: z.object({ sent: z.boolean() }),
  effect: 'external',
  run: async (input) => {
    delivered.push(input);
    return { sent: true };
  },
});

/** The same script in each "process": call the tool until its result is back, then answer. */
function script(prompt: LanguageModelV4Prompt) {
  return toolResults(prompt).some((result) => result.includes('"sent":true'))
    ? { text: 'Sent the email.' }
    : { calls: [{ name: 'send_email', input: { to: 'ops@example.com', body: 'deploy done' } }] };
}

async function boot(): Promise<{ app: TestApp; database: Database }> {
  const database = (await openMigratedDatabase(embeddedTarget(dataDir))).database;
  const app = await buildTestApp({
    model: scriptedAgentModel(script).model,
    adminKey: ADMIN_KEY,
    agents: { store: new SqlAgentStore(database.db), tools: [sendEmail] },
  });
  return { app, database };
}

async function settle(app: TestApp, id: string): Promise<Record<string, unknown>> {
  for (let attempt = 0; attempt < 500; attempt += 1) {
    const run = (
      await app.app.inject({ method: 'GET', url: `/v1/agents/runs/${id}`, headers: admin })
    ).json() as Record<string, unknown>;
    if (['succeeded', 'failed', 'cancelled', 'awaiting_approval'].includes(run.status as string)) return run;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`run ${id} did not settle`);
}

describe('an approval pause survives a restart (PGlite data dir)', () => {
  it('pauses in one app, is approved in a new app on the same data, and resumes once', async () => {
    const first = await boot();
    const created = await first.app.app.inject({
      method: 'POST',
      url: '/v1/agents/runs',
      headers: admin,
      payload: { goal: 'Tell ops the deploy is done', tools: ['send_email'] },
    });
    const id = (created.json() as { id: string }).id;
    const paused = await settle(first.app, id);
    expect(paused).toMatchObject({
      status: 'awaiting_approval',
      pending_action: { tool_name: 'send_email' },
    });
    expect(delivered).toEqual([]);
    // The process goes away: app and database closed.
    await first.app.close();
    await first.database.close();

    const second = await boot();
    try {
      const reread = await settle(second.app, id);
      expect(reread).toMatchObject({
        status: 'awaiting_approval',
        pending_action: paused.pending_action as object,
      });
      const approved = await second.app.app.inject({
        method: 'POST',
        url: `/v1/agents/runs/${id}/approve`,
        headers: admin,
        payload: { action_id: (paused.pending_action as { id: string }).id, reason: 'ok to send' },
      });
      expect(approved.statusCode).toBe(200);
      const done = await settle(second.app, id);
      expect(done).toMatchObject({ status: 'succeeded', outcome: 'completed', output: 'Sent the email.' });
      expect(delivered).toEqual([{ to: 'ops@example.com', body: 'deploy done' }]);
      const trail = (
        (
          await second.app.app.inject({ method: 'GET', url: `/v1/agents/runs/${id}/actions`, headers: admin })
        ).json() as {
          items: Array<Record<string, unknown>>;
        }
      ).items;
      expect(trail).toMatchObject([
        {
          tool_name: 'send_email',
          status: 'succeeded',
          allowed_by: 'allow-list:admin; approval:admin',
          decided_by: 'admin',
          decision_reason: 'ok to send',
          result: { sent: true },
        },
      ]);
    } finally {
      await second.app.close();
      await second.database.close();
    }
  });
});
