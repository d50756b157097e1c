import { PassThrough } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { CapabilityStreamEventType, UsageData } from '../../client/capability-stream.ts';
import { asAppError, toProblem } from '../../platform/errors/index.ts';
import { problemSchema } from '../../platform/http/index.ts';
import { secretRedactor } from '../../platform/logging/index.ts';
import type { ModelUsage } from '../gateway/index.ts';
import type { InvocationReporter } from './capability-events.ts';
import type { CapabilityInvoker } from './capability-invoker.ts';
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
 * problem document's fields). The response is a Node stream handed to Fastify, so the request's hooks
 * (request log, telemetry, the stream slot of the limits module) see it end. A client that goes away
 * aborts the invocation's signal, and with it the model call.
 */
export function streamInvocation(
  request: FastifyRequest,
  reply: FastifyReply,
  capability: AnyCapability,
  invoker: CapabilityInvoker,
  settings: CapabilityStreamSettings,
  shutdown?: AbortSignal,
): FastifyReply {
  const body = new PassThrough();
  const controller = new AbortController();
  // At the server's shutdown deadline the call is aborted with SERVICE_SHUTTING_DOWN, which the stream
  // reports as its `error` event (clients retry elsewhere) instead of being cut mid-stream.
  const onShutdown = () => controller.abort(shutdown?.reason);
  if (shutdown?.aborted) onShutdown();
  else shutdown?.addEventListener('abort', onShutdown, { once: true });
  let sequence = 0;
  let open = true;
  const write = (type: CapabilityStreamEventType, data: unknown) => {
    if (!open) return;
    sequence += 1;
    body.write(`id: ${sequence}\nevent: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  const heartbeat = setInterval(() => {
    if (open) body.write(': keep-alive\n\n');
  }, settings.heartbeatMs);
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
    open = false;
    clearInterval(heartbeat);
  });

  const reporter: InvocationReporter = {
    emit: (event) => {
      if (event.type === 'text-delta') write('text-delta', { delta: event.delta });
      else write('object-delta', { partial: event.partial });
    },
    progress: () => {},
    step: (name, run) => run({ key: `${request.id}:${name}` }),
  };
  let usage: ModelUsage | undefined;
  const run = async () => {
    try {
      const output = await invoker.invoke(capability, request.body, {
        requestId: request.id,
        tenantId: request.tenantId,
        signal: controller.signal,
        logger: request.log,
        reporter,
        streaming: true,
        onUsage: (value) => {
          usage = value;
        },
      });
      if (usage) write('usage', usageData(usage));
      write('done', { output });
    } catch (error) {
      // A shutdown abort arrives as SERVICE_SHUTTING_DOWN: the invoker reports a signal's own AppError reason.
      const problem = asAppError(error);
      if (problem.status >= 500) {
        request.log.warn({ code: problem.code, err: problem.cause ?? problem }, 'capability stream failed');
      }
      if (usage) write('usage', usageData(usage));
      // The document a sync call would have answered (scrubbed of anything shaped like a key), plus
      // `message`: its detail, or its title when it has none.
      const document = secretRedactor.redactValue(toProblem(problem, request.id, request.url.split('?')[0]));
      write('error', { ...document, message: document.detail ?? document.title });
    } finally {
      shutdown?.removeEventListener('abort', onShutdown);
      open = false;
      clearInterval(heartbeat);
      if (!body.destroyed) body.end();
    }
  };
  reply
    .code(200)
    .header('content-type', 'text/event-stream; charset=utf-8')
    .header('cache-control', 'no-cache, no-transform')
    .header('x-accel-buffering', 'no');
  // A first comment sends the headers now: a client learns the stream is open before the first event.
  body.write(': stream open\n\n');
  void run();
  return reply.send(body);
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
