import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { CapabilityStreamEventType, UsageData } from '../../client/capability-stream.ts';
import { asAppError, toProblem } from '../../platform/errors/index.ts';
import { problemSchema, type SseEvent, SseWriter } from '../../platform/http/index.ts';
import { secretRedactor } from '../../platform/logging/index.ts';
import type { ModelUsage } from '../gateway/index.ts';
import type { InvocationReporter } from './capability-events.ts';
import type { CapabilityInvoker, InvocationScope } from './capability-invoker.ts';
import type { AnyCapability } from './define-capability.ts';

export interface CapabilityStreamSettings {
  /** A `: keep-alive` comment is written this often, so proxies keep an idle stream open. */
  readonly heartbeatMs: number;
}

export const DEFAULT_STREAM_HEARTBEAT_MS = 15_000;

/** Whether a capability request asked for a stream: its `Accept` header starts with `text/event-stream`. */
export function wantsStream(request: FastifyRequest): boolean {
  const accept = request.headers.accept;
  return typeof accept === 'string' && accept.startsWith('text/event-stream');
}

function usageData(usage: ModelUsage): UsageData {
  return {
    input_tokens: usage.inputTokens,
    output_tokens: usage.outputTokens,
    calls: usage.calls,
    models: usage.models,
    cost_usd: usage.costUsd,
  };
}

/**
 * Answers one capability call as Server-Sent Events: `text-delta` / `object-delta` while it runs, then
 * `usage` and `done` (the validated output, as the sync call returns it) or `usage` and `error` (the
 * problem document's fields). The platform's SSE writer takes the response over (the request's
 * `onResponse` hooks, request log and telemetry, still see it end); a client that goes away aborts the
 * invocation's signal, and with it the model call, and a client that reads slowly holds the capability at
 * its next `emit` (backpressure) instead of the response buffering the model's output.
 */
export async function streamInvocation(
  request: FastifyRequest,
  reply: FastifyReply,
  capability: AnyCapability,
  invoker: CapabilityInvoker,
  settings: CapabilityStreamSettings,
  shutdown?: AbortSignal,
  routing: Pick<InvocationScope, 'variant' | 'afterResponse'> = {},
): Promise<void> {
  // At the server's shutdown deadline the call is aborted with SERVICE_SHUTTING_DOWN, which the stream
  // reports as its `error` event (clients retry elsewhere) instead of being cut mid-stream.
  const sse = new SseWriter(reply, {
    keepAliveMs: settings.heartbeatMs,
    shutdown,
    // A first comment sends the headers now: a client learns the stream is open before the first event.
    preamble: ': stream open\n\n',
  });
  let sequence = 0;
  const event = (type: CapabilityStreamEventType, data: unknown): SseEvent => {
    sequence += 1;
    return { id: sequence, event: type, data };
  };
  sse.start();

  const reporter: InvocationReporter = {
    emit: (emitted) =>
      sse.write(
        emitted.type === 'text-delta'
          ? event('text-delta', { delta: emitted.delta })
          : event('object-delta', { partial: emitted.partial }),
      ),
    progress: () => {},
    step: (name, run) => run({ key: `${request.id}:${name}` }),
  };
  let usage: ModelUsage | undefined;
  try {
    const output = await invoker.invoke(capability, request.body, {
      requestId: request.id,
      tenantId: request.tenantId,
      signal: sse.signal,
      logger: request.log,
      reporter,
      streaming: true,
      ...routing,
      onUsage: (value) => {
        usage = value;
      },
      // Each guardrail decision as it is made; a block is then the stream's `error` event.
      onGuardrail: (decision) => {
        void sse.write(
          event('guardrail', {
            policy: decision.policy,
            stage: decision.stage,
            action: decision.action,
            kinds: [...decision.kinds],
            count: decision.count,
          }),
        );
      },
    });
    if (usage) void sse.write(event('usage', usageData(usage)));
    sse.end(event('done', { output }));
  } catch (error) {
    // A shutdown abort arrives as SERVICE_SHUTTING_DOWN: the invoker reports a signal's own AppError reason.
    const problem = asAppError(error);
    if (problem.status >= 500) {
      request.log.warn({ code: problem.code, err: problem.cause ?? problem }, 'capability stream failed');
    }
    if (usage) void sse.write(event('usage', usageData(usage)));
    // The document a sync call would have answered (scrubbed of anything shaped like a key), plus
    // `message`: its detail, or its title when it has none.
    const document = secretRedactor.redactValue(toProblem(problem, request.id, request.url.split('?')[0]));
    sse.end(event('error', { ...document, message: document.detail ?? document.title }));
  }
}

/**
 * The events of a capability's stream, for its OpenAPI document: what each `data:` line holds, by
 * `event:` name. The wire format is SSE text; this schema documents the JSON inside it.
 */
export function streamEventSchema(capability: AnyCapability, name: string): z.ZodType {
  const event = <T extends z.ZodType>(type: CapabilityStreamEventType, data: T, description: string) =>
    z
      .object({
        event: z.literal(type).describe('The `event:` line.'),
        id: z.number().int().min(1).describe('The `id:` line: 1, 2, 3... in this response.'),
        data,
      })
      .describe(description);
  return z
    .union([
      event(
        'text-delta',
        z.object({ delta: z.string() }),
        'A part of a text output; the parts in order make the final text.',
      ),
      event(
        'object-delta',
        z.object({ partial: z.unknown() }),
        'The structured output so far: a valid prefix of the final shape.',
      ),
      event(
        'usage',
        z.object({
          input_tokens: z.number().int().min(0),
          output_tokens: z.number().int().min(0),
          calls: z.number().int().min(0),
          models: z.array(z.string()),
          cost_usd: z.number().nullable(),
        }),
        'Model usage of the whole call, once, just before `done` or `error`.',
      ),
      event(
        'guardrail',
        z.object({
          policy: z.string(),
          stage: z.enum(['input', 'retrieved', 'output']),
          action: z.enum(['block', 'redact', 'flag']),
          kinds: z.array(z.string()),
          count: z.number().int().min(1),
        }),
        'A guardrail policy acted on the call (what it found, never the text); a `block` is followed by `error`.',
      ),
      event(
        'error',
        problemSchema.safeExtend({
          message: z
            .string()
            .describe('`detail`, or `title` when there is no detail: one line for a person.'),
        }),
        'The call failed: the fields of the problem document a sync call would have answered. The stream ends.',
      ),
      event(
        'done',
        z.object({ output: capability.output }),
        'The call succeeded: `output` is exactly what the sync call returns. The stream ends.',
      ),
    ])
    .meta({ id: `${name}StreamEvent` });
}
