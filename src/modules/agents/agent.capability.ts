import { AppError, platformErrors } from '../../platform/errors/index.ts';
import { currentRequestContext } from '../../platform/http/index.ts';
import { type AnyCapability, defineCapability } from '../capabilities/index.ts';
import { agentRunSchema, presentRun } from './agent.presenter.ts';
import type { AgentEventFeed } from './agent-event-feed.ts';
import { agentErrors } from './agents.errors.ts';
import { createRunSchema, runLimitsFrom } from './agents.routes.ts';
import type { AgentService } from './agents.service.ts';

/** The capability name of an agent called like any capability: `POST /v1/agent`. */
export const AGENT_CAPABILITY = 'agent';

export interface AgentCapabilityOptions {
  readonly service: AgentService;
  /** Follows the run's events while the call waits (notified as they are appended). */
  readonly feed: AgentEventFeed;
}

/**
 * `agent`: an agent run called like any capability, synchronously or streamed (`Accept:
 * text/event-stream`: its `text-delta`s as they are produced). It starts the same run `POST /v1/agents/runs`
 * starts (a job, with the caller's key bounding the allow-list) and waits until the run finishes or pauses
 * for approval, then answers the run. A client that goes away cancels the run. The run itself is the job
 * form: this capability has no `/jobs` route.
 */
export function createAgentCapability(options: AgentCapabilityOptions): AnyCapability {
  const { service, feed } = options;
  return defineCapability({
    name: AGENT_CAPABILITY,
    version: '1.0.0',
    summary: 'Run an agent and wait for its answer',
    description:
      "Starts an agent run (the same as `POST /v1/agents/runs`: bounded steps, an allow-list of tools your key may allow, approvals for `write` and `external` tools) and answers when it finishes or pauses for approval (`status: awaiting_approval` with `pending_action`; decide at `POST /v1/agents/runs/{id}/approve|reject` and follow it at `/v1/agents/runs/{id}/stream`). With `Accept: text/event-stream` the model's text arrives as `text-delta` events. Disconnecting cancels the run. Needs a generative model (503 `MODEL_NOT_CONFIGURED` otherwise).",
    input: createRunSchema,
    output: agentRunSchema,
    examples: [
      {
        summary: 'Arithmetic with the calculator tool',
        input: {
          goal: 'What is 17% of 2,340? Use the calculator.',
          tools: ['calculator'],
          limits: { max_steps: 4, max_tool_calls: 4, max_tokens: 4000, deadline_ms: 60_000 },
        },
      },
    ],
    async run(input, context) {
      const request = currentRequestContext();
      if (request === undefined || !request.authenticated) {
        throw new AppError(agentErrors.AGENT_CALLER_UNKNOWN, {
          detail:
            'An agent call needs the calling key (its scopes bound the tools); start runs with POST /v1/agents/runs.',
        });
      }
      const created = await service.create({
        tenantId: context.tenantId,
        apiKeyId: request.keyId ?? null,
        // Open local access acts as the administrator, as on `POST /v1/agents/runs`.
        scopes: request.keyId === undefined ? ['admin'] : request.scopes,
        requestId: context.requestId,
        goal: input.goal,
        instructions: input.instructions,
        model: input.model ?? context.modelChoice,
        tools: input.tools,
        requireApproval: input.require_approval,
        limits: runLimitsFrom(input.limits),
      });
      try {
        // Until the run stops (finished, or waiting for a decision): its text as it is written.
        const end = await feed.follow(
          context.tenantId,
          created.id,
          0,
          async (events) => {
            for (const event of events) {
              const delta = event.type === 'text-delta' ? event.data.delta : undefined;
              if (typeof delta === 'string' && delta !== '')
                await context.emit({ type: 'text-delta', delta });
            }
          },
          context.signal,
        );
        if (end === 'closed') throw context.signal.reason ?? new Error('could not follow the agent run');
        if (end === 'shutdown') throw new AppError(platformErrors.SERVICE_SHUTTING_DOWN);
        const run = await service.get(context.tenantId, created.id);
        return presentRun(run, await service.pendingAction(run));
      } catch (error) {
        if (context.signal.aborted || (error instanceof AppError && error.code === 'SERVICE_SHUTTING_DOWN')) {
          await service.cancel(context.tenantId, created.id, request.keyId ?? null).catch(() => {});
        }
        throw error;
      }
    },
  });
}
