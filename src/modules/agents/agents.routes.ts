import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { type HttpServer, problemResponses, type SseFrame, SseWriter } from '../../platform/http/index.ts';
import {
  agentActionSchema,
  agentEventSchema,
  agentRunSchema,
  presentAction,
  presentEvent,
  presentRun,
} from './agent.presenter.ts';
import { type AgentRunRecord, isFinished } from './agent.types.ts';
import type { AgentEventFeed } from './agent-event-feed.ts';
import type { AgentLimitsInput, AgentService } from './agents.service.ts';

export const createRunSchema = z
  .object({
    goal: z
      .string()
      .trim()
      .min(1)
      .max(20_000)
      .describe('What the agent should achieve (the first user message).'),
    instructions: z
      .string()
      .max(20_000)
      .optional()
      .describe("Extra system instructions, added after Keel's own safety rules (which always come first)."),
    model: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe('Alias or `provider:model`; default: the `agent-run` route, else `default`.'),
    tools: z
      .array(z.string().min(1).max(128))
      .max(64)
      .default([])
      .describe(
        "The allow-list: the only tools offered to the model. Your key's scopes must grant each one.",
      ),
    require_approval: z
      .array(z.string().min(1).max(128))
      .max(64)
      .optional()
      .describe(
        'Read tools that should also wait for approval (every `write` and `external` tool always does).',
      ),
    limits: z
      .object({
        max_steps: z.number().int().min(1).max(50).default(8).describe('Model calls at most.'),
        max_tool_calls: z.number().int().min(1).max(200).default(16),
        max_tokens: z
          .number()
          .int()
          .min(100)
          .max(2_000_000)
          .default(100_000)
          .describe('Input + output tokens.'),
        deadline_ms: z
          .number()
          .int()
          .min(1_000)
          .max(3_600_000)
          .default(600_000)
          .describe('From creation; time awaiting approval counts.'),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .meta({ id: 'CreateAgentRun' });

/** The limits of a run request, for the service (camelCase inside, ADR 0151). */
export function runLimitsFrom(limits: z.output<typeof createRunSchema>['limits']): AgentLimitsInput {
  return {
    maxSteps: limits.max_steps,
    maxToolCalls: limits.max_tool_calls,
    maxTokens: limits.max_tokens,
    deadlineMs: limits.deadline_ms,
  };
}

const idParams = z.object({ id: z.string().min(1).max(64) });
const decisionSchema = z
  .object({
    action_id: z
      .string()
      .max(64)
      .optional()
      .describe('The pending action (guards against deciding a stale one).'),
    reason: z
      .string()
      .max(2_000)
      .optional()
      .describe('Recorded in the audit trail; a rejection reason is told to the model.'),
  })
  .strict()
  .meta({ id: 'AgentDecision' });

export interface AgentRoutesOptions {
  readonly service: AgentService;
  /** Follows a run's events for its SSE stream (notified as they are appended, from any process). */
  readonly feed: AgentEventFeed;
  /** Comment lines on idle SSE streams, so proxies keep them open. */
  readonly keepAliveMs?: number;
}

function who(request: FastifyRequest): { keyId: string | null; scopes: readonly string[] } {
  return { keyId: request.principal?.keyId ?? null, scopes: request.principal?.scopes ?? ['admin'] };
}

export function registerAgentRoutes(app: HttpServer, options: AgentRoutesOptions): void {
  const { service, feed } = options;
  // Streams end with a `stream-closing` event when the server shuts down; clients reconnect.
  (app as unknown as FastifyInstance).addHook('preClose', async () => feed.close());
  const view = async (run: AgentRunRecord) => presentRun(run, await service.pendingAction(run));

  app.post(
    '/v1/agents/runs',
    {
      config: { scope: 'agents:run' },
      schema: {
        operationId: 'createAgentRun',
        summary: 'Start an agent run',
        description:
          'Starts a bounded agent loop as a background job: the model (native tool calling) may call only the allowed tools, with validated arguments, within the limits. Every step is persisted and streamed (`GET /v1/agents/runs/{id}/stream`). Calls of `write` and `external` tools pause the run in `awaiting_approval` until `POST .../approve` or `.../reject`. Needs a generative model: without one, 503 `MODEL_NOT_CONFIGURED` (tools stay callable at `POST /v1/tools/{name}`).',
        tags: ['Agents'],
        body: createRunSchema,
        response: {
          202: agentRunSchema,
          ...problemResponses({
            400: 'The body is not valid, or `tools` names an unknown tool (`AGENT_TOOL_UNKNOWN`).',
            403: 'Your key may not allow one of the tools (`AGENT_TOOL_NOT_PERMITTED`).',
            503: 'No generative model is configured (`MODEL_NOT_CONFIGURED`).',
          }),
        },
      },
    },
    async (request, reply) => {
      const caller = who(request);
      const body = request.body;
      const run = await service.create({
        tenantId: request.tenantId,
        apiKeyId: caller.keyId,
        scopes: caller.scopes,
        requestId: request.id,
        goal: body.goal,
        instructions: body.instructions,
        model: body.model,
        tools: body.tools,
        requireApproval: body.require_approval,
        limits: runLimitsFrom(body.limits),
      });
      reply.code(202).header('location', `/v1/agents/runs/${run.id}`);
      return view(run);
    },
  );

  app.get(
    '/v1/agents/runs',
    {
      config: { scope: 'agents:read' },
      schema: {
        operationId: 'listAgentRuns',
        summary: 'List agent runs',
        description: "Your tenant's agent runs, newest first.",
        tags: ['Agents'],
        querystring: z
          .object({
            limit: z.coerce.number().int().min(1).max(100).default(20),
            cursor: z.string().max(500).optional(),
          })
          .strict(),
        response: {
          200: z
            .object({ items: z.array(agentRunSchema), next_cursor: z.string().nullable() })
            .meta({ id: 'AgentRunPage' }),
          ...problemResponses({ 400: 'A query parameter or the cursor is not valid.' }),
        },
      },
    },
    async (request) => {
      const page = await service.list(request.tenantId, request.query);
      return { items: await Promise.all(page.items.map(view)), next_cursor: page.nextCursor };
    },
  );

  app.get(
    '/v1/agents/runs/:id',
    {
      config: { scope: 'agents:read' },
      schema: {
        operationId: 'getAgentRun',
        summary: 'Get an agent run',
        description: 'Status, outcome, usage, the final output, and the call awaiting approval if any.',
        tags: ['Agents'],
        params: idParams,
        response: { 200: agentRunSchema, ...problemResponses({ 404: 'No such run for your tenant.' }) },
      },
    },
    async (request) => view(await service.get(request.tenantId, request.params.id)),
  );

  app.get(
    '/v1/agents/runs/:id/actions',
    {
      config: { scope: 'agents:read' },
      schema: {
        operationId: 'listAgentRunActions',
        summary: "An agent run's audit trail",
        description:
          'Every tool call the model proposed, in order: its arguments, what became of it (refused, invalid, awaiting approval, approved, rejected, succeeded, failed), who allowed it and who decided.',
        tags: ['Agents'],
        params: idParams,
        response: {
          200: z.object({ items: z.array(agentActionSchema) }).meta({ id: 'AgentActionList' }),
          ...problemResponses({ 404: 'No such run for your tenant.' }),
        },
      },
    },
    async (request) => ({
      items: (await service.actions(request.tenantId, request.params.id)).map(presentAction),
    }),
  );

  app.get(
    '/v1/agents/runs/:id/events',
    {
      config: { scope: 'agents:read' },
      schema: {
        operationId: 'listAgentRunEvents',
        summary: "An agent run's events",
        description:
          'The persisted events after `after`, in order: `run-queued`, `run-started`, `text-delta`, `tool-call`, `tool-result`, `step-finished`, `approval-requested`, `approval-decided`, `run-paused`, `run-succeeded`, `run-failed`, `run-cancelled`.',
        tags: ['Agents'],
        params: idParams,
        querystring: z
          .object({
            after: z.coerce.number().int().min(0).default(0),
            limit: z.coerce.number().int().min(1).max(1_000).default(200),
          })
          .strict(),
        response: {
          200: z.object({ items: z.array(agentEventSchema) }).meta({ id: 'AgentEventList' }),
          ...problemResponses({ 404: 'No such run for your tenant.' }),
        },
      },
    },
    async (request) => ({
      items: (
        await service.events(request.tenantId, request.params.id, request.query.after, request.query.limit)
      ).map(presentEvent),
    }),
  );

  app.get(
    '/v1/agents/runs/:id/stream',
    {
      config: { scope: 'agents:read', stream: true },
      schema: {
        operationId: 'streamAgentRunEvents',
        summary: "Follow an agent run's events (Server-Sent Events)",
        description:
          'Replays the events after `Last-Event-ID` (or `after`), then follows the run until it finishes or pauses for approval (the stream then ends; reconnect after deciding). `id:` is the event id, `event:` its type, `data:` an `AgentEvent`.',
        tags: ['Agents'],
        params: idParams,
        querystring: z.object({ after: z.coerce.number().int().min(0).optional() }).strict(),
        headers: z.looseObject({
          'last-event-id': z
            .string()
            .regex(/^\d{1,10}$/)
            .optional(),
        }),
        response: {
          200: {
            description: 'An event stream of `AgentEvent`s.',
            content: { 'text/event-stream': { schema: z.string() } },
          },
          ...problemResponses({
            400: 'A header or parameter is not valid.',
            404: 'No such run for your tenant.',
          }),
        },
      },
    },
    async (request, reply) => {
      const run = await service.get(request.tenantId, request.params.id);
      const header = request.headers['last-event-id'];
      const after = header === undefined ? (request.query.after ?? 0) : Number(header);
      const sse = new SseWriter(
        reply,
        options.keepAliveMs === undefined ? {} : { keepAliveMs: options.keepAliveMs },
      );
      sse.start();
      let final: SseFrame | undefined;
      // The stream ends whatever happens once it started (a failed read included): headers are out.
      try {
        // A run that has stopped (finished, or waiting for a decision) with nothing after `after`: nothing to
        // follow. Otherwise the feed replays, then follows until the run stops (its `run-paused`,
        // `run-succeeded`, `run-failed` or `run-cancelled` event).
        const stopped = isFinished(run.status) || run.status === 'awaiting_approval';
        const end =
          stopped && (await service.events(request.tenantId, run.id, after, 1)).length === 0
            ? 'finished'
            : await feed.follow(
                request.tenantId,
                run.id,
                after,
                (events) => {
                  let room: Promise<void> = Promise.resolve();
                  for (const event of events) {
                    room = sse.write({ id: event.id, event: event.type, data: presentEvent(event) });
                  }
                  return room;
                },
                sse.signal,
              );
        if (end === 'shutdown') final = { event: 'stream-closing', data: { reason: 'shutdown' } };
      } finally {
        sse.end(final);
      }
    },
  );

  const decide =
    (approve: boolean) =>
    async (request: FastifyRequest<{ Params: { id: string }; Body: z.infer<typeof decisionSchema> }>) => {
      const caller = who(request);
      const run = await service.decide(request.tenantId, request.params.id, {
        approve,
        actionId: request.body?.action_id,
        reason: request.body?.reason,
        decidedBy: caller.keyId,
        scopes: caller.scopes,
        requestId: request.id,
      });
      return view(run);
    };
  for (const [verb, approve] of [
    ['approve', true],
    ['reject', false],
  ] as const) {
    app.post(
      `/v1/agents/runs/:id/${verb}`,
      {
        config: { scope: 'agents:approve' },
        schema: {
          operationId: `${verb}AgentRunAction`,
          summary: approve ? 'Approve the pending tool call' : 'Reject the pending tool call',
          description: approve
            ? "Approves the call the run is waiting on (it then runs, and the run resumes as a new job segment). The approver's key must also hold the tool's scope. Recorded in the audit trail."
            : 'Rejects the call the run is waiting on: it never runs, the model is told it was rejected (with `reason`), and the run resumes. Recorded in the audit trail.',
          tags: ['Agents'],
          params: idParams,
          body: decisionSchema.prefault({}),
          response: {
            200: agentRunSchema,
            ...problemResponses({
              403: "Approving needs the tool's scope too (`AGENT_TOOL_NOT_PERMITTED`).",
              404: 'No such run for your tenant.',
              409: 'The run is not awaiting approval, or `action_id` is not the pending action.',
            }),
          },
        },
      },
      decide(approve),
    );
  }

  app.post(
    '/v1/agents/runs/:id/cancel',
    {
      config: { scope: 'agents:run', shed: false },
      schema: {
        operationId: 'cancelAgentRun',
        summary: 'Cancel an agent run',
        description:
          'Stops the run (a call awaiting approval is rejected); the step in flight is not persisted further.',
        tags: ['Agents'],
        params: idParams,
        response: {
          200: agentRunSchema,
          ...problemResponses({ 404: 'No such run for your tenant.', 409: 'The run has already finished.' }),
        },
      },
    },
    async (request) => view(await service.cancel(request.tenantId, request.params.id, who(request).keyId)),
  );
}
