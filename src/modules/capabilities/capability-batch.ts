import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  AppError,
  asAppError,
  type FieldError,
  type ProblemDocument,
  platformErrors,
  toProblem,
} from '../../platform/errors/index.ts';
import { problemSchema } from '../../platform/http/index.ts';
import { secretRedactor } from '../../platform/logging/index.ts';
import type { RequestRecord } from '../request-log/index.ts';
import { capabilityErrors } from './capabilities.errors.ts';
import { directReporter } from './capability-events.ts';
import type { CapabilityInvoker } from './capability-invoker.ts';
import type { AnyCapability } from './define-capability.ts';

export interface CapabilityBatchSettings {
  /** Most items one batch may carry; more is a 400 for the whole request. */
  readonly maxItems: number;
  /** Items of one batch that run at once. */
  readonly concurrency: number;
}

export const DEFAULT_BATCH_SETTINGS: CapabilityBatchSettings = { maxItems: 100, concurrency: 4 };

export type BatchItemResult =
  | { readonly index: number; readonly status: 'succeeded'; readonly output: unknown }
  | { readonly index: number; readonly status: 'failed'; readonly problem: ProblemDocument };

export function batchBodySchema(name: string, maxItems: number): z.ZodType {
  return z
    .object({
      items: z
        .array(z.unknown().describe(`One input, as \`POST /v1/${name}\` takes it.`))
        .min(1)
        .max(maxItems)
        .describe(
          `1 to ${maxItems} inputs of the capability. Each is validated on its own: a bad item gets a failed result, not a 400 for the batch.`,
        ),
    })
    .strict();
}

export function batchResponseSchema(capability: AnyCapability, base: string): z.ZodType {
  return z
    .object({
      results: z
        .array(
          z.union([
            z.object({
              index: z.number().int().min(0).describe('Position of the item in `items`.'),
              status: z.literal('succeeded'),
              output: capability.output,
            }),
            z.object({
              index: z.number().int().min(0).describe('Position of the item in `items`.'),
              status: z.literal('failed'),
              problem: problemSchema.describe(
                'What the sync call would have answered for this item; field errors point into `/body/items/<index>`.',
              ),
            }),
          ]),
        )
        .describe('One result per item, in input order.'),
    })
    .meta({ id: `${base}BatchResult` });
}

/**
 * Runs every item of a batch through the invoker, `concurrency` at a time, in the request's context (so
 * limits, budgets and model-call accounting see each call). Each item is validated on its own; a failure
 * is that item's problem. A client that goes away aborts the running items and skips the rest.
 *
 * The request log keeps one record for the batch request (its id), merged from the items: capability,
 * summed tokens and models, `input` the batch body, `output` the results; its outcome is `succeeded` when
 * every item succeeded, else `failed` with the first failed item's code. Cost is the request's, counted once.
 */
export async function runBatch(
  request: FastifyRequest,
  reply: FastifyReply,
  capability: AnyCapability,
  invoker: CapabilityInvoker,
  settings: CapabilityBatchSettings,
): Promise<{ results: BatchItemResult[] }> {
  const items = (request.body as { items: unknown[] }).items;
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  const startedAt = new Date();
  const started = performance.now();
  const instance = request.url.split('?')[0];
  const results: BatchItemResult[] = new Array(items.length);
  const records: RequestRecord[] = [];
  const recordOf: Array<RequestRecord | undefined> = new Array(items.length);
  const fail = (index: number, error: AppError): BatchItemResult => ({
    index,
    status: 'failed',
    problem: secretRedactor.redactValue(toProblem(error, request.id, instance)),
  });

  const runItem = async (index: number): Promise<BatchItemResult> => {
    const parsed = capability.input.safeParse(items[index]);
    if (!parsed.success) return fail(index, validationError(index, parsed.error.issues));
    if (controller.signal.aborted) {
      return fail(index, new AppError(capabilityErrors.CAPABILITY_ABORTED));
    }
    try {
      const output = await invoker.invoke(capability, parsed.data, {
        requestId: request.id,
        tenantId: request.tenantId,
        signal: controller.signal,
        logger: request.log,
        reporter: directReporter(`${request.id}:${index}`),
        record: (item) => {
          records.push(item);
          recordOf[index] = item;
        },
      });
      return { index, status: 'succeeded', output };
    } catch (error) {
      return fail(index, asAppError(error));
    }
  };

  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await runItem(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(settings.concurrency, items.length) }, worker));

  const firstFailure = results.find((result) => result.status === 'failed');
  const models = [...new Set(records.flatMap((item) => item.models))];
  // With guardrails the log keeps each item's redacted input and output, never the bodies as sent.
  const guarded = records.some((item) => item.guardrails !== undefined);
  const guardrails = records.flatMap((item) => item.guardrails ?? []);
  invoker.record({
    id: request.id,
    tenantId: request.tenantId,
    capability: capability.name,
    outcome: controller.signal.aborted ? 'aborted' : firstFailure ? 'failed' : 'succeeded',
    httpStatus: 200,
    errorCode: firstFailure?.status === 'failed' ? firstFailure.problem.code : null,
    models,
    inputTokens: records.reduce((sum, item) => sum + item.inputTokens, 0),
    outputTokens: records.reduce((sum, item) => sum + item.outputTokens, 0),
    latencyMs: Math.round(performance.now() - started),
    input: guarded
      ? { ...(request.body as object), items: items.map((item, index) => recordOf[index]?.input ?? item) }
      : request.body,
    output: guarded
      ? {
          results: results.map((result) =>
            result.status === 'succeeded'
              ? { ...result, output: recordOf[result.index]?.output ?? null }
              : result,
          ),
        }
      : { results },
    ...(guarded ? { guardrails: mergeDecisions(guardrails) } : {}),
    createdAt: startedAt,
  });
  return { results };
}

/** One decision per policy, stage and action over every item (kinds merged, spans summed). */
function mergeDecisions(
  decisions: NonNullable<RequestRecord['guardrails']>,
): NonNullable<RequestRecord['guardrails']> {
  const merged = new Map<
    string,
    { policy: string; stage: string; action: string; kinds: Set<string>; count: number }
  >();
  for (const decision of decisions) {
    const key = `${decision.policy}\u0000${decision.stage}\u0000${decision.action}`;
    const entry = merged.get(key) ?? { ...decision, kinds: new Set<string>(), count: 0 };
    for (const kind of decision.kinds) entry.kinds.add(kind);
    entry.count += decision.count;
    merged.set(key, entry);
  }
  return [...merged.values()].map((entry) => ({ ...entry, kinds: [...entry.kinds] }));
}

function validationError(
  index: number,
  issues: readonly { path: PropertyKey[]; message: string; code: string }[],
): AppError {
  const errors: FieldError[] = issues.map((issue) => ({
    pointer: `/body/items/${index}${issue.path.map((segment) => `/${String(segment)}`).join('')}`,
    message: issue.message,
    code: issue.code,
  }));
  return new AppError(platformErrors.REQUEST_VALIDATION_FAILED, {
    detail: `${errors.length} ${errors.length === 1 ? 'field is' : 'fields are'} not valid: ${errors
      .map((entry) => entry.pointer)
      .join(', ')}`,
    errors,
  });
}
