import type {
  AgentActionRecord,
  AgentEvent,
  AgentRunPatch,
  AgentRunRecord,
  AgentRunStatus,
  NewAgentEvent,
} from './agent.types.ts';

export interface AgentRunPage {
  readonly items: readonly AgentRunRecord[];
  readonly nextCursor: string | null;
}

/** Storage of agent runs, their audit trail (actions) and their events. Every read is tenant-scoped. */
export interface AgentStore {
  createRun(run: AgentRunRecord): Promise<void>;
  getRun(tenantId: string, id: string): Promise<AgentRunRecord | undefined>;
  /** Newest first. */
  listRuns(
    tenantId: string,
    query: { readonly limit: number; readonly cursor?: string | undefined },
  ): Promise<AgentRunPage>;
  /**
   * Applies a patch only while the run's status is one of `from` (compare-and-set): two approvals, or an
   * approval racing a cancel, cannot both win. Returns the updated run, or undefined when it did not apply.
   */
  updateRun(
    tenantId: string,
    id: string,
    from: readonly AgentRunStatus[],
    patch: AgentRunPatch,
  ): Promise<AgentRunRecord | undefined>;
  /** Appends events in order, numbering them after the run's last one. */
  appendEvents(
    tenantId: string,
    runId: string,
    events: readonly NewAgentEvent[],
    at: Date,
  ): Promise<AgentEvent[]>;
  listEvents(tenantId: string, runId: string, afterId: number, limit: number): Promise<AgentEvent[]>;
  /** Inserts or replaces an action (by id). */
  putAction(action: AgentActionRecord): Promise<void>;
  getAction(tenantId: string, id: string): Promise<AgentActionRecord | undefined>;
  /** A run's actions in the order they were proposed. */
  listActions(tenantId: string, runId: string): Promise<AgentActionRecord[]>;
}
