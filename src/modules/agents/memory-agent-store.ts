import { pageOf } from '../../platform/pagination/index.ts';
import { decodeCursor, encodeCursor } from './agent.cursor.ts';
import type {
  AgentActionRecord,
  AgentEvent,
  AgentRunPatch,
  AgentRunRecord,
  AgentRunStatus,
  NewAgentEvent,
} from './agent.types.ts';
import type { AgentRunPage, AgentStore } from './agent-store.port.ts';

/** Agent runs in memory: tests and single-process use. Values are copied in and out like a database would. */
export class MemoryAgentStore implements AgentStore {
  readonly #runs = new Map<string, AgentRunRecord>();
  readonly #events = new Map<string, AgentEvent[]>();
  readonly #actions = new Map<string, AgentActionRecord>();

  async createRun(run: AgentRunRecord): Promise<void> {
    if (this.#runs.has(run.id)) throw new Error(`agent run ${run.id} already exists`);
    this.#runs.set(run.id, structuredClone(run));
    this.#events.set(run.id, []);
  }

  async getRun(tenantId: string, id: string): Promise<AgentRunRecord | undefined> {
    const run = this.#runs.get(id);
    return run && run.tenantId === tenantId ? structuredClone(run) : undefined;
  }

  async listRuns(
    tenantId: string,
    query: { limit: number; cursor?: string | undefined },
  ): Promise<AgentRunPage> {
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const runs = [...this.#runs.values()]
      .filter((run) => run.tenantId === tenantId)
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1))
      .filter(
        (run) =>
          !after ||
          run.createdAt.getTime() < after.createdAt.getTime() ||
          (run.createdAt.getTime() === after.createdAt.getTime() && run.id < after.id),
      );
    return pageOf(
      runs,
      query.limit,
      (run) => structuredClone(run),
      (last) => encodeCursor(last.createdAt, last.id),
    );
  }

  async updateRun(
    tenantId: string,
    id: string,
    from: readonly AgentRunStatus[],
    patch: AgentRunPatch,
  ): Promise<AgentRunRecord | undefined> {
    const run = this.#runs.get(id);
    if (!run || run.tenantId !== tenantId || !from.includes(run.status)) return undefined;
    const updated = { ...run, ...structuredClone(patch) };
    this.#runs.set(id, updated);
    return structuredClone(updated);
  }

  async appendEvents(
    tenantId: string,
    runId: string,
    events: readonly NewAgentEvent[],
    at: Date,
  ): Promise<AgentEvent[]> {
    const run = this.#runs.get(runId);
    const log = this.#events.get(runId);
    if (!run || run.tenantId !== tenantId || !log) throw new Error(`no agent run ${runId}`);
    const appended = events.map((event, index) => ({
      runId,
      id: log.length + index + 1,
      type: event.type,
      data: structuredClone(event.data),
      createdAt: at,
    }));
    log.push(...appended);
    return structuredClone(appended);
  }

  async listEvents(tenantId: string, runId: string, afterId: number, limit: number): Promise<AgentEvent[]> {
    const run = this.#runs.get(runId);
    if (!run || run.tenantId !== tenantId) return [];
    return structuredClone(
      (this.#events.get(runId) ?? []).filter((event) => event.id > afterId).slice(0, limit),
    );
  }

  async putAction(action: AgentActionRecord): Promise<void> {
    const existing = this.#actions.get(action.id);
    if (existing && existing.tenantId !== action.tenantId)
      throw new Error(`agent action ${action.id} exists`);
    this.#actions.set(action.id, structuredClone(action));
  }

  async getAction(tenantId: string, id: string): Promise<AgentActionRecord | undefined> {
    const action = this.#actions.get(id);
    return action && action.tenantId === tenantId ? structuredClone(action) : undefined;
  }

  async listActions(tenantId: string, runId: string): Promise<AgentActionRecord[]> {
    return [...this.#actions.values()]
      .filter((action) => action.tenantId === tenantId && action.runId === runId)
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.step - b.step)
      .map((action) => structuredClone(action));
  }
}
