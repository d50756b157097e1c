import { randomUUID } from 'node:crypto';
import { AppError } from '../../platform/errors/index.ts';
import { grants } from '../auth/index.ts';
import type { Clock } from '../capabilities/index.ts';
import { gatewayErrors, type ModelCatalog } from '../gateway/index.ts';
import type { CreatedJob, CreateJobRequest } from '../jobs/index.ts';
import type { ToolRegistry } from '../tools/index.ts';
import { decodeCursor } from './agent.cursor.ts';
import type { AgentActionRecord, AgentEvent, AgentRunRecord, NewAgentEvent } from './agent.types.ts';
import { isFinished } from './agent.types.ts';
import type { Redactor } from './agent-loop.ts';
import type { AgentRunPage, AgentStore } from './agent-store.port.ts';
import { agentErrors } from './agents.errors.ts';

/** The workflow each run segment is a job of. */
export const AGENT_RUN_CAPABILITY = 'agent-run';

export interface AgentLimitsInput {
  readonly maxSteps: number;
  readonly maxToolCalls: number;
  readonly maxTokens: number;
  readonly deadlineMs: number;
}

export interface CreateRunRequest {
  readonly tenantId: string;
  /** The key creating the run (null: open local access), and its scopes: they bound the allow-list. */
  readonly apiKeyId: string | null;
  readonly scopes: readonly string[];
  readonly requestId: string;
  readonly goal: string;
  readonly instructions?: string | undefined;
  readonly model?: string | undefined;
  readonly tools: readonly string[];
  readonly requireApproval?: readonly string[] | undefined;
  readonly limits: AgentLimitsInput;
}

export interface Decision {
  readonly approve: boolean;
  readonly actionId?: string | undefined;
  readonly reason?: string | undefined;
  /** The deciding key (null: open local access) and its scopes (it must hold the tool's scope too). */
  readonly decidedBy: string | null;
  readonly scopes: readonly string[];
  readonly requestId: string;
}

export interface AgentServiceOptions {
  readonly store: AgentStore;
  readonly registry: ToolRegistry;
  readonly models: ModelCatalog;
  readonly clock: Clock;
  readonly redactor: Redactor;
  /** Enqueues a segment as a job (`JobService.create`). */
  readonly enqueue: (request: CreateJobRequest) => Promise<CreatedJob>;
}

const OPEN_ACCESS = 'open-local-access';

/** What the API does with agent runs: start (permission-checked), read, approve or reject, cancel. */
export class AgentService {
  readonly #options: AgentServiceOptions;

  constructor(options: AgentServiceOptions) {
    this.#options = options;
  }

  async create(request: CreateRunRequest): Promise<AgentRunRecord> {
    const { store, registry, models, clock, redactor } = this.#options;
    const invocation = models.forInvocation({
      requestId: request.requestId,
      tenantId: request.tenantId,
      source: `capability:${AGENT_RUN_CAPABILITY}`,
      capability: AGENT_RUN_CAPABILITY,
      signal: new AbortController().signal,
      model: request.model,
    });
    if (!invocation.available()) {
      throw new AppError(gatewayErrors.MODEL_NOT_CONFIGURED, {
        detail: `Agent runs need a generative model with tool calling (${request.model ?? invocation.routed} is not available). Tools stay callable directly at POST /v1/tools/{name}.`,
      });
    }
    const names = [...new Set(request.tools)];
    const tools = await Promise.all(names.map(async (name) => ({ name, tool: await registry.get(name) })));
    const unknown = tools.filter((entry) => !entry.tool).map((entry) => entry.name);
    if (unknown.length > 0) {
      throw new AppError(agentErrors.AGENT_TOOL_UNKNOWN, {
        detail: `Unknown tools: ${unknown.join(', ')}.`,
        details: { unknown },
      });
    }
    const refused = tools
      .filter((entry) => entry.tool && !grants(request.scopes, entry.tool.scope))
      .map((entry) => ({ tool: entry.name, required_scope: entry.tool?.scope ?? '' }));
    if (refused.length > 0) {
      throw new AppError(agentErrors.AGENT_TOOL_NOT_PERMITTED, {
        detail: `Your key may not allow: ${refused.map((entry) => `${entry.tool} (needs ${entry.required_scope})`).join(', ')}.`,
        details: { tools: refused },
      });
    }
    const extra = (request.requireApproval ?? []).filter((name) => !names.includes(name));
    if (extra.length > 0) {
      throw new AppError(agentErrors.AGENT_TOOL_UNKNOWN, {
        detail: `requireApproval names tools outside the allow-list: ${extra.join(', ')}.`,
        details: { unknown: extra },
      });
    }
    // Every tool that writes or reaches outside needs a human's approval; callers may add read tools.
    const approvalRequired = tools
      .filter((entry) => entry.tool?.effect !== 'read' || request.requireApproval?.includes(entry.name))
      .map((entry) => entry.name);
    const now = clock.now();
    const goal = redactor.redactText(request.goal);
    const run: AgentRunRecord = {
      id: `run_${randomUUID().replaceAll('-', '')}`,
      tenantId: request.tenantId,
      apiKeyId: request.apiKeyId,
      requestId: request.requestId,
      status: 'queued',
      outcome: null,
      goal,
      instructions: request.instructions ?? null,
      model: request.model ?? null,
      tools: names,
      approvalRequired,
      limits: {
        maxSteps: request.limits.maxSteps,
        maxToolCalls: request.limits.maxToolCalls,
        maxTokens: request.limits.maxTokens,
        deadlineAt: new Date(now.getTime() + request.limits.deadlineMs),
      },
      usage: { steps: 0, toolCalls: 0, inputTokens: 0, outputTokens: 0 },
      messages: [{ role: 'user', content: [{ type: 'text', text: request.goal }] }],
      pendingCalls: [],
      pendingActionId: null,
      segment: 1,
      output: null,
      error: null,
      createdAt: now,
      updatedAt: now,
      finishedAt: null,
    };
    await store.createRun(run);
    await this.#emit(run, [
      { type: 'run-queued', data: { segment: 1, tools: names, approval_required: approvalRequired } },
    ]);
    await this.#enqueue(run, request.requestId);
    return run;
  }

  async get(tenantId: string, id: string): Promise<AgentRunRecord> {
    const run = await this.#options.store.getRun(tenantId, id);
    if (!run) throw new AppError(agentErrors.AGENT_RUN_NOT_FOUND, { detail: `No agent run ${id}.` });
    return run;
  }

  async list(tenantId: string, query: { limit: number; cursor?: string | undefined }): Promise<AgentRunPage> {
    if (query.cursor !== undefined && !decodeCursor(query.cursor)) {
      throw new AppError(agentErrors.AGENT_CURSOR_INVALID);
    }
    return this.#options.store.listRuns(tenantId, query);
  }

  async actions(tenantId: string, runId: string): Promise<AgentActionRecord[]> {
    await this.get(tenantId, runId);
    return this.#options.store.listActions(tenantId, runId);
  }

  async pendingAction(run: AgentRunRecord): Promise<AgentActionRecord | null> {
    if (!run.pendingActionId) return null;
    return (await this.#options.store.getAction(run.tenantId, run.pendingActionId)) ?? null;
  }

  async events(tenantId: string, runId: string, afterId: number, limit: number): Promise<AgentEvent[]> {
    await this.get(tenantId, runId);
    return this.#options.store.listEvents(tenantId, runId, afterId, limit);
  }

  /** Approves or rejects the pending call, then queues the run's next segment (a new job). */
  async decide(tenantId: string, runId: string, decision: Decision): Promise<AgentRunRecord> {
    const { store, registry, clock } = this.#options;
    const run = await this.get(tenantId, runId);
    const action = await this.pendingAction(run);
    if (run.status !== 'awaiting_approval' || !action || action.status !== 'awaiting_approval') {
      throw this.#notAwaiting(run);
    }
    if (decision.actionId !== undefined && decision.actionId !== action.id) {
      throw new AppError(agentErrors.AGENT_RUN_NOT_AWAITING_APPROVAL, {
        detail: `Action ${decision.actionId} is not the one awaiting approval (${action.id}).`,
        details: { run_status: run.status, pending_action_id: action.id },
      });
    }
    const tool = await registry.get(action.toolName);
    if (decision.approve && tool && !grants(decision.scopes, tool.scope)) {
      throw new AppError(agentErrors.AGENT_TOOL_NOT_PERMITTED, {
        detail: `Approving a call of ${tool.name} needs the \`${tool.scope}\` scope.`,
        details: { tools: [{ tool: tool.name, required_scope: tool.scope }] },
      });
    }
    const now = clock.now();
    const resumed = await store.updateRun(tenantId, runId, ['awaiting_approval'], {
      status: 'queued',
      segment: run.segment + 1,
      pendingActionId: null,
      updatedAt: now,
    });
    if (!resumed) throw this.#notAwaiting((await store.getRun(tenantId, runId)) ?? run);
    const decidedBy = decision.decidedBy ?? OPEN_ACCESS;
    await store.putAction({
      ...action,
      status: decision.approve ? 'approved' : 'rejected',
      allowedBy: decision.approve ? `${action.allowedBy ?? ''}; approval:${decidedBy}` : action.allowedBy,
      decidedBy,
      decisionReason: decision.reason ?? null,
      updatedAt: now,
    });
    await this.#emit(resumed, [
      {
        type: 'approval-decided',
        data: {
          action_id: action.id,
          decision: decision.approve ? 'approved' : 'rejected',
          decidedBy,
          ...(decision.reason ? { reason: decision.reason } : {}),
        },
      },
      { type: 'run-queued', data: { segment: resumed.segment } },
    ]);
    await this.#enqueue(resumed, decision.requestId);
    return resumed;
  }

  async cancel(tenantId: string, runId: string, cancelledBy: string | null): Promise<AgentRunRecord> {
    const { store, clock } = this.#options;
    const run = await this.get(tenantId, runId);
    if (isFinished(run.status)) {
      throw new AppError(agentErrors.AGENT_RUN_FINISHED, {
        detail: `Run ${runId} has already ${run.status === 'cancelled' ? 'been cancelled' : run.status}.`,
        details: { run_status: run.status },
      });
    }
    const now = clock.now();
    const cancelled = await store.updateRun(tenantId, runId, ['queued', 'running', 'awaiting_approval'], {
      status: 'cancelled',
      outcome: 'cancelled',
      pendingCalls: [],
      pendingActionId: null,
      finishedAt: now,
      updatedAt: now,
    });
    if (!cancelled) return this.cancel(tenantId, runId, cancelledBy);
    const action = await this.pendingAction(run);
    if (action?.status === 'awaiting_approval') {
      await store.putAction({
        ...action,
        status: 'rejected',
        decidedBy: cancelledBy ?? OPEN_ACCESS,
        decisionReason: 'the run was cancelled',
        updatedAt: now,
      });
    }
    await this.#emit(cancelled, [
      { type: 'run-cancelled', data: { cancelled_by: cancelledBy ?? OPEN_ACCESS } },
    ]);
    return cancelled;
  }

  #notAwaiting(run: AgentRunRecord): AppError {
    return new AppError(agentErrors.AGENT_RUN_NOT_AWAITING_APPROVAL, {
      detail: `Run ${run.id} is ${run.status}, not awaiting approval.`,
      details: { run_status: run.status },
    });
  }

  async #enqueue(run: AgentRunRecord, requestId: string): Promise<void> {
    await this.#options.enqueue({
      tenantId: run.tenantId,
      apiKeyId: run.apiKeyId,
      requestId,
      capability: AGENT_RUN_CAPABILITY,
      input: { runId: run.id, segment: run.segment },
      inputPointer: '/body',
      inputValidated: true,
    });
  }

  async #emit(run: AgentRunRecord, events: readonly NewAgentEvent[]): Promise<void> {
    await this.#options.store.appendEvents(run.tenantId, run.id, events, this.#options.clock.now());
  }
}
