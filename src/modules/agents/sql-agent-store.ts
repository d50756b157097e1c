import type { LanguageModelV4Prompt } from '@ai-sdk/provider';
import { type Kysely, type Selectable, sql, type Updateable } from 'kysely';
import { jsonParameter, type KeelTables } from '../../platform/db/index.ts';
import { pageOf } from '../../platform/pagination/index.ts';
import { decodeCursor, encodeCursor } from './agent.cursor.ts';
import type {
  AgentActionRecord,
  AgentActionStatus,
  AgentEvent,
  AgentEventType,
  AgentLimits,
  AgentOutcome,
  AgentProblem,
  AgentRunPatch,
  AgentRunRecord,
  AgentRunStatus,
  AgentUsage,
  NewAgentEvent,
  PendingCall,
} from './agent.types.ts';
import type { AgentRunPage, AgentStore } from './agent-store.port.ts';

type RunRow = Selectable<KeelTables['agent_run']>;
type ActionRow = Selectable<KeelTables['agent_action']>;

/**
 * The JSON columns hold what this store wrote from the records (the table types cannot name the agents
 * module's types, platform does not import modules), and `status`/`outcome` only this module's values,
 * so rows are narrowed here, once.
 */
function toRun(row: RunRow): AgentRunRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    apiKeyId: row.api_key_id,
    requestId: row.request_id,
    status: row.status as AgentRunStatus,
    outcome: row.outcome as AgentOutcome | null,
    goal: row.goal,
    instructions: row.instructions,
    model: row.model,
    tools: row.tools,
    approvalRequired: row.approval_required,
    limits: { ...row.limits, deadlineAt: new Date(row.limits.deadlineAt) },
    usage: row.usage as AgentUsage,
    messages: row.messages as LanguageModelV4Prompt,
    pendingCalls: row.pending_calls as PendingCall[],
    pendingActionId: row.pending_action_id,
    segment: row.segment,
    output: row.output,
    error: row.error as AgentProblem | null,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    finishedAt: row.finished_at ? new Date(row.finished_at) : null,
  };
}

function toAction(row: ActionRow): AgentActionRecord {
  return {
    id: row.id,
    runId: row.run_id,
    tenantId: row.tenant_id,
    step: row.step,
    toolCallId: row.tool_call_id,
    toolName: row.tool_name,
    arguments: row.arguments,
    status: row.status as AgentActionStatus,
    allowedBy: row.allowed_by,
    decidedBy: row.decided_by,
    decisionReason: row.decision_reason,
    result: row.result,
    error: row.error as AgentProblem | null,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

function limitsJson(limits: AgentLimits): string {
  return jsonParameter({ ...limits, deadlineAt: limits.deadlineAt.toISOString() });
}

/** Agent runs, actions and events in PostgreSQL or PGlite (same SQL for both). */
export class SqlAgentStore implements AgentStore {
  readonly #db: Kysely<KeelTables>;

  constructor(db: Kysely<KeelTables>) {
    this.#db = db;
  }

  async createRun(run: AgentRunRecord): Promise<void> {
    await this.#db
      .insertInto('agent_run')
      .values({
        id: run.id,
        tenant_id: run.tenantId,
        api_key_id: run.apiKeyId,
        request_id: run.requestId,
        status: run.status,
        outcome: run.outcome,
        goal: run.goal,
        instructions: run.instructions,
        model: run.model,
        tools: jsonParameter(run.tools),
        approval_required: jsonParameter(run.approvalRequired),
        limits: limitsJson(run.limits),
        usage: jsonParameter(run.usage),
        messages: jsonParameter(run.messages),
        pending_calls: jsonParameter(run.pendingCalls),
        pending_action_id: run.pendingActionId,
        segment: run.segment,
        output: run.output,
        error: jsonParameter(run.error),
        created_at: run.createdAt,
        updated_at: run.updatedAt,
        finished_at: run.finishedAt,
      })
      .execute();
  }

  async getRun(tenantId: string, id: string): Promise<AgentRunRecord | undefined> {
    const row = await this.#db
      .selectFrom('agent_run')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toRun(row) : undefined;
  }

  async listRuns(
    tenantId: string,
    query: { limit: number; cursor?: string | undefined },
  ): Promise<AgentRunPage> {
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    let select = this.#db.selectFrom('agent_run').selectAll().where('tenant_id', '=', tenantId);
    if (after) {
      select = select.where((where) =>
        where.or([
          where('created_at', '<', after.createdAt),
          where.and([where('created_at', '=', after.createdAt), where('id', '<', after.id)]),
        ]),
      );
    }
    const rows = await select
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(query.limit + 1)
      .execute();
    return pageOf(rows, query.limit, toRun, (last) => {
      const run = toRun(last);
      return encodeCursor(run.createdAt, run.id);
    });
  }

  async updateRun(
    tenantId: string,
    id: string,
    from: readonly AgentRunStatus[],
    patch: AgentRunPatch,
  ): Promise<AgentRunRecord | undefined> {
    const values: Updateable<KeelTables['agent_run']> = { updated_at: patch.updatedAt };
    if (patch.status !== undefined) values.status = patch.status;
    if (patch.outcome !== undefined) values.outcome = patch.outcome;
    if (patch.usage !== undefined) values.usage = jsonParameter(patch.usage);
    if (patch.messages !== undefined) values.messages = jsonParameter(patch.messages);
    if (patch.pendingCalls !== undefined) values.pending_calls = jsonParameter(patch.pendingCalls);
    if (patch.pendingActionId !== undefined) values.pending_action_id = patch.pendingActionId;
    if (patch.segment !== undefined) values.segment = patch.segment;
    if (patch.output !== undefined) values.output = patch.output;
    if (patch.error !== undefined) values.error = jsonParameter(patch.error);
    if (patch.finishedAt !== undefined) values.finished_at = patch.finishedAt;
    const row = await this.#db
      .updateTable('agent_run')
      .set(values)
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .where('status', 'in', [...from])
      .returningAll()
      .executeTakeFirst();
    return row ? toRun(row) : undefined;
  }

  async appendEvents(
    tenantId: string,
    runId: string,
    events: readonly NewAgentEvent[],
    at: Date,
  ): Promise<AgentEvent[]> {
    if (events.length === 0) return [];
    return this.#db.transaction().execute(async (transaction) => {
      // Locks the run row: appends to one run are serialised, so ids never collide.
      const run = await transaction
        .selectFrom('agent_run')
        .select('id')
        .where('tenant_id', '=', tenantId)
        .where('id', '=', runId)
        .forUpdate()
        .executeTakeFirst();
      if (!run) throw new Error(`no agent run ${runId}`);
      const last = await transaction
        .selectFrom('agent_event')
        .select(sql<number>`coalesce(max(id), 0)`.as('last'))
        .where('run_id', '=', runId)
        .executeTakeFirstOrThrow();
      const start = Number(last.last);
      const rows = events.map((event, index) => ({
        run_id: runId,
        id: start + index + 1,
        type: event.type,
        data: jsonParameter(event.data),
        created_at: at,
      }));
      await transaction.insertInto('agent_event').values(rows).execute();
      return events.map((event, index) => ({
        runId,
        id: start + index + 1,
        type: event.type,
        data: event.data,
        createdAt: at,
      }));
    });
  }

  async listEvents(tenantId: string, runId: string, afterId: number, limit: number): Promise<AgentEvent[]> {
    const rows = await this.#db
      .selectFrom('agent_event')
      .innerJoin('agent_run', 'agent_run.id', 'agent_event.run_id')
      .select([
        'agent_event.run_id',
        'agent_event.id',
        'agent_event.type',
        'agent_event.data',
        'agent_event.created_at',
      ])
      .where('agent_run.tenant_id', '=', tenantId)
      .where('agent_event.run_id', '=', runId)
      .where('agent_event.id', '>', afterId)
      .orderBy('agent_event.id')
      .limit(limit)
      .execute();
    return rows.map((row) => ({
      runId: row.run_id,
      id: row.id,
      type: row.type as AgentEventType,
      data: row.data,
      createdAt: new Date(row.created_at),
    }));
  }

  async putAction(action: AgentActionRecord): Promise<void> {
    const values = {
      id: action.id,
      run_id: action.runId,
      tenant_id: action.tenantId,
      step: action.step,
      tool_call_id: action.toolCallId,
      tool_name: action.toolName,
      arguments: jsonParameter(action.arguments ?? null),
      status: action.status,
      allowed_by: action.allowedBy,
      decided_by: action.decidedBy,
      decision_reason: action.decisionReason,
      result: jsonParameter(action.result ?? null),
      error: jsonParameter(action.error),
      created_at: action.createdAt,
      updated_at: action.updatedAt,
    };
    const { id: _id, run_id: _run, tenant_id: _tenant, created_at: _created, ...changes } = values;
    await this.#db
      .insertInto('agent_action')
      .values(values)
      .onConflict((conflict) =>
        conflict.column('id').doUpdateSet(changes).where('agent_action.tenant_id', '=', action.tenantId),
      )
      .execute();
  }

  async getAction(tenantId: string, id: string): Promise<AgentActionRecord | undefined> {
    const row = await this.#db
      .selectFrom('agent_action')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toAction(row) : undefined;
  }

  async listActions(tenantId: string, runId: string): Promise<AgentActionRecord[]> {
    const rows = await this.#db
      .selectFrom('agent_action')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('run_id', '=', runId)
      .orderBy('sequence')
      .execute();
    return rows.map(toAction);
  }
}
