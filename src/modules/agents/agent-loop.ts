import { createHash } from 'node:crypto';
import type {
  LanguageModelV4Content,
  LanguageModelV4FunctionTool,
  LanguageModelV4Message,
  LanguageModelV4Prompt,
} from '@ai-sdk/provider';
import { asAppError } from '../../platform/errors/index.ts';
import type { CapabilityLogger, Clock } from '../capabilities/index.ts';
import type { InvocationModels } from '../gateway/index.ts';
import type { ToolExecutor, ToolHandle, ToolRegistry, ValidationIssue } from '../tools/index.ts';
import { presentUsage } from './agent.presenter.ts';
import type {
  AgentActionRecord,
  AgentOutcome,
  AgentProblem,
  AgentRunPatch,
  AgentRunRecord,
  AgentUsage,
  NewAgentEvent,
  PendingCall,
} from './agent.types.ts';
import type { AgentStore } from './agent-store.port.ts';
import { agentErrors } from './agents.errors.ts';
import { FENCE_RULES, fenceToolResult } from './tool-result-fence.ts';

/** Redacts configured secrets from everything a run stores, streams or returns. */
export interface Redactor {
  redactText(text: string): string;
  redactValue<T>(value: T): T;
}

export interface AgentLoopOptions {
  readonly store: AgentStore;
  readonly registry: ToolRegistry;
  readonly executor: ToolExecutor;
  readonly clock: Clock;
  readonly redactor: Redactor;
  /** Output tokens asked of the model per step at most (less when the token budget is nearly spent). */
  readonly maxOutputTokensPerStep?: number;
}

export interface SegmentScope {
  readonly tenantId: string;
  readonly runId: string;
  readonly segment: number;
  readonly requestId: string;
  readonly models: InvocationModels;
  readonly signal: AbortSignal;
  readonly logger: CapabilityLogger;
}

type CallOutcome =
  | { readonly kind: 'answered'; readonly run: AgentRunRecord }
  | { readonly kind: 'paused' }
  | { readonly kind: 'stopped' };

const RUNNABLE = ['queued', 'running'] as const;
const STOP_CODES: Record<Exclude<AgentOutcome, 'completed' | 'failed' | 'cancelled'>, AgentProblem> = {
  'step-limit': problemOf(agentErrors.AGENT_STEP_LIMIT_REACHED),
  'tool-call-limit': problemOf(agentErrors.AGENT_TOOL_CALL_LIMIT_REACHED),
  'token-limit': problemOf(agentErrors.AGENT_TOKEN_LIMIT_REACHED),
  deadline: problemOf(agentErrors.AGENT_DEADLINE_EXCEEDED),
};

function problemOf(
  definition: { code: string; title: string; status: number },
  detail?: string,
): AgentProblem {
  return {
    code: definition.code,
    title: definition.title,
    status: definition.status,
    ...(detail ? { detail } : {}),
  };
}

/** The action id of one proposed call: stable, so a redelivered segment finds the action it already wrote. */
export function actionIdOf(runId: string, step: number, toolCallId: string): string {
  return `act_${createHash('sha256').update(`${runId}\u0000${step}\u0000${toolCallId}`).digest('hex').slice(0, 24)}`;
}

function parseArguments(text: string): { ok: true; value: unknown } | { ok: false } {
  if (text.trim() === '') return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/**
 * The bounded agent loop, one segment at a time: a segment runs model steps and tool calls until the model
 * answers, a limit stops it, or a call needs approval (the segment ends; approval queues the next one).
 * Every step is persisted before the next begins, so a redelivered segment resumes where the last ended.
 */
export class AgentLoop {
  readonly #options: AgentLoopOptions;

  constructor(options: AgentLoopOptions) {
    this.#options = options;
  }

  async runSegment(scope: SegmentScope): Promise<{ readonly status: string; readonly skipped: boolean }> {
    const { store, clock } = this.#options;
    const current = await store.getRun(scope.tenantId, scope.runId);
    if (
      !current ||
      current.segment !== scope.segment ||
      !(RUNNABLE as readonly string[]).includes(current.status)
    ) {
      return { status: current?.status ?? 'missing', skipped: true };
    }
    let run = await store.updateRun(scope.tenantId, scope.runId, RUNNABLE, {
      status: 'running',
      updatedAt: clock.now(),
    });
    if (!run) return { status: 'changed', skipped: true };
    await this.#emit(run, [{ type: 'run-started', data: { segment: scope.segment } }]);
    const offered = await this.#offeredTools(run);
    try {
      for (;;) {
        while (run.pendingCalls.length > 0) {
          const outcome = await this.#answerCall(run, run.pendingCalls[0] as PendingCall, offered, scope);
          if (outcome.kind !== 'answered') return { status: outcome.kind, skipped: false };
          run = outcome.run;
        }
        const stop = this.#limitReached(run);
        if (stop) {
          await this.#finish(run, 'failed', stop, STOP_CODES[stop]);
          return { status: 'failed', skipped: false };
        }
        const next = await this.#modelStep(run, offered, scope);
        if (!next) return { status: 'stopped', skipped: false };
        run = next;
        if (run.status !== 'running') return { status: run.status, skipped: false };
      }
    } catch (error) {
      const latest = (await store.getRun(scope.tenantId, scope.runId)) ?? run;
      if (latest.status !== 'running') return { status: latest.status, skipped: false };
      const deadlinePassed = clock.now().getTime() >= latest.limits.deadlineAt.getTime();
      if (deadlinePassed) {
        await this.#finish(latest, 'failed', 'deadline', STOP_CODES.deadline);
        return { status: 'failed', skipped: false };
      }
      const problem = asAppError(error);
      scope.logger.warn({ err: error, runId: run.id }, 'agent run failed');
      await this.#finish(latest, 'failed', 'failed', {
        code: problem.code,
        title: problem.definition.title,
        status: problem.status,
        ...(problem.detail ? { detail: this.#options.redactor.redactText(problem.detail) } : {}),
      });
      return { status: 'failed', skipped: false };
    }
  }

  async #offeredTools(run: AgentRunRecord): Promise<Map<string, ToolHandle>> {
    const offered = new Map<string, ToolHandle>();
    for (const name of run.tools) {
      const tool = await this.#options.registry.get(name);
      if (tool) offered.set(name, tool);
    }
    return offered;
  }

  #limitReached(
    run: AgentRunRecord,
  ): Exclude<AgentOutcome, 'completed' | 'failed' | 'cancelled'> | undefined {
    if (this.#options.clock.now().getTime() >= run.limits.deadlineAt.getTime()) return 'deadline';
    if (run.usage.steps >= run.limits.maxSteps) return 'step-limit';
    if (run.usage.inputTokens + run.usage.outputTokens >= run.limits.maxTokens) return 'token-limit';
    return undefined;
  }

  /** One model call; records its text and proposed tool calls; finishes the run when it answered. */
  async #modelStep(
    run: AgentRunRecord,
    offered: ReadonlyMap<string, ToolHandle>,
    scope: SegmentScope,
  ): Promise<AgentRunRecord | undefined> {
    const { redactor, clock } = this.#options;
    const model = scope.models.language(run.model ?? undefined);
    const remaining = run.limits.maxTokens - run.usage.inputTokens - run.usage.outputTokens;
    const untilDeadline = Math.max(1, run.limits.deadlineAt.getTime() - clock.now().getTime());
    const tools: LanguageModelV4FunctionTool[] = [...offered.values()].map((tool) => ({
      type: 'function',
      name: tool.name,
      description: tool.description,
      inputSchema: tool.inputSchema as LanguageModelV4FunctionTool['inputSchema'],
    }));
    const system = run.instructions
      ? `${FENCE_RULES}\n\nInstructions for this run:\n${run.instructions}`
      : FENCE_RULES;
    const result = await model.doGenerate({
      prompt: [{ role: 'system', content: system }, ...run.messages],
      ...(tools.length > 0 ? { tools, toolChoice: { type: 'auto' } } : {}),
      maxOutputTokens: Math.max(1, Math.min(remaining, this.#options.maxOutputTokensPerStep ?? 4_096)),
      abortSignal: AbortSignal.any([scope.signal, AbortSignal.timeout(untilDeadline)]),
    });
    const step = run.usage.steps + 1;
    const usage: AgentUsage = {
      ...run.usage,
      steps: step,
      inputTokens: run.usage.inputTokens + (result.usage.inputTokens.total ?? 0),
      outputTokens: run.usage.outputTokens + (result.usage.outputTokens.total ?? 0),
    };
    const text = result.content
      .filter((part): part is Extract<LanguageModelV4Content, { type: 'text' }> => part.type === 'text')
      .map((part) => part.text)
      .join('');
    const calls = result.content.filter(
      (part): part is Extract<LanguageModelV4Content, { type: 'tool-call' }> =>
        part.type === 'tool-call' && part.providerExecuted !== true,
    );
    const assistant: LanguageModelV4Message = {
      role: 'assistant',
      content: [
        ...(text ? [{ type: 'text' as const, text }] : []),
        ...calls.map((call) => {
          const parsed = parseArguments(call.input);
          return {
            type: 'tool-call' as const,
            toolCallId: call.toolCallId,
            toolName: call.toolName,
            input: parsed.ok ? parsed.value : call.input,
          };
        }),
      ],
    };
    const pendingCalls: PendingCall[] = calls.map((call) => ({
      toolCallId: call.toolCallId,
      toolName: call.toolName,
      input: call.input,
      step,
    }));
    const events: NewAgentEvent[] = [];
    if (text) events.push({ type: 'text-delta', data: { step, delta: redactor.redactText(text) } });
    events.push({
      type: 'step-finished',
      data: {
        step,
        finish_reason: result.finishReason.unified,
        tool_calls: calls.length,
        usage: {
          input_tokens: result.usage.inputTokens.total ?? 0,
          output_tokens: result.usage.outputTokens.total ?? 0,
        },
      },
    });
    const messages: LanguageModelV4Prompt = [
      ...run.messages,
      ...(assistant.content.length > 0 ? [assistant] : []),
    ];
    const patch: AgentRunPatch = { usage, messages, pendingCalls, updatedAt: clock.now() };
    const updated = await this.#update(run, patch);
    if (!updated) return undefined;
    await this.#emit(updated, events);
    if (calls.length === 0) {
      await this.#finish(updated, 'succeeded', 'completed', null, redactor.redactText(text));
      return { ...updated, status: 'succeeded' };
    }
    return updated;
  }

  /** Answers the first pending call: refuse, reject as invalid, pause for approval, or run it. */
  async #answerCall(
    run: AgentRunRecord,
    call: PendingCall,
    offered: ReadonlyMap<string, ToolHandle>,
    scope: SegmentScope,
  ): Promise<CallOutcome> {
    const { store, clock, redactor, executor } = this.#options;
    const id = actionIdOf(run.id, call.step, call.toolCallId);
    const existing = await store.getAction(run.tenantId, id);
    const parsed = parseArguments(call.input);
    const argumentsValue = redactor.redactValue(parsed.ok ? parsed.value : call.input);
    const base: AgentActionRecord = existing ?? {
      id,
      runId: run.id,
      tenantId: run.tenantId,
      step: call.step,
      toolCallId: call.toolCallId,
      toolName: call.toolName,
      arguments: argumentsValue,
      status: 'refused',
      allowedBy: null,
      decidedBy: null,
      decisionReason: null,
      result: null,
      error: null,
      createdAt: clock.now(),
      updatedAt: clock.now(),
    };
    let usage = run.usage;

    if (!existing) {
      if (run.usage.toolCalls >= run.limits.maxToolCalls) {
        await this.#finish(run, 'failed', 'tool-call-limit', STOP_CODES['tool-call-limit']);
        return { kind: 'stopped' };
      }
      usage = { ...run.usage, toolCalls: run.usage.toolCalls + 1 };
      await this.#emit(run, [
        {
          type: 'tool-call',
          data: {
            step: call.step,
            action_id: id,
            tool_call_id: call.toolCallId,
            tool_name: call.toolName,
            arguments: argumentsValue,
          },
        },
      ]);
      const tool = offered.get(call.toolName);
      if (!run.tools.includes(call.toolName)) {
        const message = `The tool "${call.toolName}" is not allowed in this run. Allowed tools: ${run.tools.join(', ') || 'none'}. It was not executed.`;
        return this.#answer(
          run,
          usage,
          call,
          {
            ...base,
            status: 'refused',
            error: { ...problemOf(agentErrors.AGENT_TOOL_REFUSED), detail: message },
          },
          { ok: false, error: { code: 'TOOL_NOT_ALLOWED', message } },
        );
      }
      if (!tool) {
        const message = `The tool "${call.toolName}" is unavailable right now. It was not executed.`;
        return this.#answer(
          run,
          usage,
          call,
          {
            ...base,
            status: 'failed',
            allowedBy: this.#allowedBy(run),
            error: this.#refusal('TOOL_NOT_FOUND', message),
          },
          { ok: false, error: { code: 'TOOL_NOT_FOUND', message } },
        );
      }
      if (!parsed.ok) {
        const message =
          'The arguments are not valid JSON. The tool was not executed; call it again with a JSON object.';
        return this.#answer(
          run,
          usage,
          call,
          {
            ...base,
            status: 'invalid',
            allowedBy: this.#allowedBy(run),
            error: this.#refusal('TOOL_INPUT_INVALID', message),
          },
          { ok: false, error: { code: 'TOOL_INPUT_INVALID', message } },
        );
      }
      const validation = executor.validate(tool, parsed.value);
      if ('issues' in validation) {
        return this.#answerInvalid(run, usage, call, base, validation.issues);
      }
      if (run.approvalRequired.includes(call.toolName)) {
        const action: AgentActionRecord = {
          ...base,
          status: 'awaiting_approval',
          allowedBy: this.#allowedBy(run),
          updatedAt: clock.now(),
        };
        await store.putAction(action);
        const paused = await this.#update(run, {
          status: 'awaiting_approval',
          pendingActionId: id,
          usage,
          updatedAt: clock.now(),
        });
        if (paused) {
          await this.#emit(paused, [
            {
              type: 'approval-requested',
              data: {
                action_id: id,
                tool_name: call.toolName,
                effect: tool.effect,
                arguments: argumentsValue,
              },
            },
            { type: 'run-paused', data: { reason: 'awaiting_approval', action_id: id } },
          ]);
        }
        return { kind: 'paused' };
      }
      return this.#execute(
        run,
        usage,
        call,
        { ...base, allowedBy: this.#allowedBy(run) },
        tool,
        parsed.value,
        scope,
      );
    }

    // A redelivered segment, or a decision taken while the run was paused.
    switch (existing.status) {
      case 'awaiting_approval':
        await this.#update(run, { status: 'awaiting_approval', pendingActionId: id, updatedAt: clock.now() });
        return { kind: 'paused' };
      // Approved while paused, or interrupted while running (a redelivered segment runs it again).
      case 'approved':
      case 'running': {
        const tool = offered.get(call.toolName);
        const value = parsed.ok ? parsed.value : undefined;
        const validation = tool ? executor.validate(tool, value) : undefined;
        if (!tool || !validation || 'issues' in validation) {
          const message = `The tool "${call.toolName}" is unavailable right now. It was not executed.`;
          return this.#answer(
            run,
            usage,
            call,
            { ...existing, status: 'failed', error: this.#refusal('TOOL_NOT_FOUND', message) },
            { ok: false, error: { code: 'TOOL_NOT_FOUND', message } },
          );
        }
        return this.#execute(run, usage, call, existing, tool, validation.value, scope);
      }
      case 'rejected': {
        const message = `A human reviewer rejected this call${existing.decisionReason ? `: ${existing.decisionReason}` : ''}. It was not executed; do not retry it.`;
        return this.#answer(run, usage, call, existing, {
          ok: false,
          error: { code: 'CALL_REJECTED', message },
        });
      }
      default:
        return this.#answer(
          run,
          usage,
          call,
          existing,
          existing.error
            ? {
                ok: false,
                error: { code: existing.error.code, message: existing.error.detail ?? existing.error.title },
              }
            : { ok: true, result: existing.result },
        );
    }
  }

  #allowedBy(run: AgentRunRecord): string {
    return `allow-list:${run.apiKeyId ?? 'open-local-access'}`;
  }

  #refusal(code: string, message: string): AgentProblem {
    return { code, title: message, status: 400, detail: message };
  }

  async #answerInvalid(
    run: AgentRunRecord,
    usage: AgentUsage,
    call: PendingCall,
    base: AgentActionRecord,
    issues: readonly ValidationIssue[],
  ): Promise<CallOutcome> {
    const message = `The arguments do not match the input schema of ${call.toolName}; the tool was not executed. Fix them and call it again.`;
    return this.#answer(
      run,
      usage,
      call,
      {
        ...base,
        status: 'invalid',
        allowedBy: this.#allowedBy(run),
        error: this.#refusal('TOOL_INPUT_INVALID', message),
      },
      { ok: false, error: { code: 'TOOL_INPUT_INVALID', message, issues } },
    );
  }

  async #execute(
    run: AgentRunRecord,
    usage: AgentUsage,
    call: PendingCall,
    action: AgentActionRecord,
    tool: ToolHandle,
    input: unknown,
    scope: SegmentScope,
  ): Promise<CallOutcome> {
    const { executor, redactor, store, clock } = this.#options;
    const untilDeadline = Math.max(1, run.limits.deadlineAt.getTime() - clock.now().getTime());
    const deadline = AbortSignal.timeout(untilDeadline);
    // In the audit trail before it runs: a call cut short by a crash or the deadline is still on record.
    await store.putAction({ ...action, status: 'running', updatedAt: clock.now() });
    try {
      const output = await executor.run(tool, input, {
        tenantId: run.tenantId,
        requestId: `${scope.requestId}:${action.id}`,
        signal: AbortSignal.any([scope.signal, deadline]),
        logger: scope.logger,
      });
      const result = redactor.redactValue(output);
      return this.#answer(run, usage, call, { ...action, status: 'succeeded', result }, { ok: true, result });
    } catch (error) {
      if (scope.signal.aborted) throw error;
      if (deadline.aborted) {
        await store.putAction({
          ...action,
          status: 'failed',
          error: STOP_CODES.deadline,
          updatedAt: clock.now(),
        });
        throw error;
      }
      const problem = asAppError(error);
      const message = redactor.redactText(problem.detail ?? problem.definition.title);
      return this.#answer(
        run,
        usage,
        call,
        {
          ...action,
          status: 'failed',
          error: {
            code: problem.code,
            title: problem.definition.title,
            status: problem.status,
            detail: message,
          },
        },
        { ok: false, error: { code: problem.code, message } },
      );
    }
  }

  /** Stores the action, appends the fenced result to the conversation, and drops the call from the queue. */
  async #answer(
    run: AgentRunRecord,
    usage: AgentUsage,
    call: PendingCall,
    action: AgentActionRecord,
    payload: Record<string, unknown>,
  ): Promise<CallOutcome> {
    const { store, clock, redactor } = this.#options;
    await store.putAction({ ...action, updatedAt: clock.now() });
    const safe = redactor.redactValue(payload);
    const message: LanguageModelV4Message = {
      role: 'tool',
      content: [
        {
          type: 'tool-result',
          toolCallId: call.toolCallId,
          toolName: call.toolName,
          output: { type: 'text', value: fenceToolResult(call.toolName, call.toolCallId, safe) },
        },
      ],
    };
    const updated = await this.#update(run, {
      messages: [...run.messages, message],
      pendingCalls: run.pendingCalls.slice(1),
      pendingActionId: null,
      usage,
      updatedAt: clock.now(),
    });
    if (!updated) return { kind: 'stopped' };
    await this.#emit(updated, [
      {
        type: 'tool-result',
        data: {
          step: call.step,
          action_id: action.id,
          tool_call_id: call.toolCallId,
          tool_name: call.toolName,
          status: action.status,
          ...safe,
        },
      },
    ]);
    return { kind: 'answered', run: updated };
  }

  /** Writes a patch while the run is still running; undefined means someone else (a cancel) changed it. */
  async #update(run: AgentRunRecord, patch: AgentRunPatch): Promise<AgentRunRecord | undefined> {
    return this.#options.store.updateRun(run.tenantId, run.id, ['running'], patch);
  }

  async #finish(
    run: AgentRunRecord,
    status: 'succeeded' | 'failed',
    outcome: AgentOutcome,
    error: AgentProblem | null,
    output?: string,
  ): Promise<void> {
    const now = this.#options.clock.now();
    const lastText = output ?? lastAssistantText(run.messages);
    const finished = await this.#options.store.updateRun(run.tenantId, run.id, ['running', 'queued'], {
      status,
      outcome,
      error,
      output: lastText === null ? null : this.#options.redactor.redactText(lastText),
      pendingCalls: [],
      pendingActionId: null,
      finishedAt: now,
      updatedAt: now,
    });
    if (!finished) return;
    await this.#emit(finished, [
      {
        type: status === 'succeeded' ? 'run-succeeded' : 'run-failed',
        data: { outcome, usage: presentUsage(finished.usage), ...(error ? { error } : {}) },
      },
    ]);
  }

  async #emit(run: AgentRunRecord, events: readonly NewAgentEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.#options.store.appendEvents(run.tenantId, run.id, events, this.#options.clock.now());
  }
}

function lastAssistantText(messages: LanguageModelV4Prompt): string | null {
  for (let index = messages.length - 1; index >= 0; index -= 1) {
    const message = messages[index] as LanguageModelV4Message;
    if (message.role !== 'assistant') continue;
    const text = message.content
      .map((part) => (part.type === 'text' ? part.text : ''))
      .join('')
      .trim();
    if (text) return text;
  }
  return null;
}
