import { z } from 'zod';
import { AppError, asAppError } from '../../platform/errors/index.ts';
import {
  type AnyCapability,
  type Capability,
  CapabilityInvoker,
  type Clock,
  defineCapability,
} from '../capabilities/index.ts';
import type { ModelCatalog, PriceSettings } from '../gateway/index.ts';
import type { RequestRecord } from '../request-log/index.ts';
import type { DatasetItem, EvalResult, EvalRun, ItemScore } from './eval.types.ts';
import type { EvalStore } from './eval-store.port.ts';
import { evalErrors } from './evals.errors.ts';
import type { AnyScorer } from './scorers/define-scorer.ts';
import { summarize } from './summarize.ts';

/** The job name eval runs execute under (`GET /v1/jobs?capability=eval-run`). */
export const EVAL_RUN_CAPABILITY = 'eval-run';

export interface EvalRunnerOptions {
  readonly store: EvalStore;
  /** The capabilities a run may evaluate (read at run time: the list may include this workflow). */
  readonly capabilities: () => readonly AnyCapability[];
  readonly scorers: ReadonlyMap<string, AnyScorer>;
  readonly models: ModelCatalog;
  readonly clock: Clock;
  /** Each evaluated invocation is logged like any other (the request log writer). */
  readonly record: (record: RequestRecord) => void;
  /** `provider:model` -> USD per million tokens, for per-item cost; unpriced items report null. */
  readonly prices?: Readonly<Record<string, PriceSettings>>;
}

const FLUSH_EVERY = 20;

/**
 * The workflow behind `POST /v1/eval-runs`: runs every item of the dataset version under every variant
 * (`scope.model`), scores each, stores results as it goes, then the per-variant summary. A redelivered
 * job (crash, shutdown) skips the (item, variant) pairs already stored.
 */
export function createEvalRunWorkflow(options: EvalRunnerOptions): Capability {
  const outcomes = new Map<string, RequestRecord>();
  const invoker = new CapabilityInvoker({
    models: options.models,
    clock: options.clock,
    record: (record) => {
      outcomes.set(record.id, record);
      options.record(record);
    },
  });
  return defineCapability({
    name: EVAL_RUN_CAPABILITY,
    version: '1.0.0',
    summary: 'Run an evaluation (use POST /v1/eval-runs)',
    description:
      'Runs a dataset through a capability under one or more model variants and scores every output. Create runs with `POST /v1/eval-runs`, which validates the request and records the run; this job only executes it.',
    input: z.object({ run_id: z.string().min(1).max(64) }).strict(),
    output: z.object({ run_id: z.string(), status: z.literal('succeeded'), items: z.number().int() }),
    sync: false,
    job: { attempts: 3, timeoutMs: 6 * 60 * 60 * 1000 },
    async run(input, context) {
      const { store, clock } = options;
      const tenantId = context.tenantId;
      const run = await store.getRun(tenantId, input.run_id);
      if (!run) throw new AppError(evalErrors.EVAL_RUN_NOT_FOUND, { detail: `No eval run ${input.run_id}.` });
      if (run.status === 'succeeded')
        return { run_id: run.id, status: 'succeeded' as const, items: run.total };
      try {
        const capability = options.capabilities().find((candidate) => candidate.name === run.capability);
        if (!capability) {
          throw new AppError(evalErrors.EVAL_CAPABILITY_UNKNOWN, {
            detail: `No capability named "${run.capability}".`,
          });
        }
        const items = await allItems(store, run);
        const total = items.length * run.variants.length;
        const done = new Set(
          (await store.listResults(tenantId, run.id)).map(
            (result) => `${result.itemId}\u0000${result.variant}`,
          ),
        );
        await store.updateRun(tenantId, run.id, {
          status: 'running',
          startedAt: clock.now(),
          total,
          completed: done.size,
        });
        const tasks = items
          .flatMap((item) => run.variants.map((variant, variantIndex) => ({ item, variant, variantIndex })))
          .filter((task) => !done.has(`${task.item.id}\u0000${task.variant}`));
        let completed = done.size;
        let buffer: EvalResult[] = [];
        const flush = async () => {
          const batch = buffer;
          buffer = [];
          await store.putResults(tenantId, batch);
          await store.updateRun(tenantId, run.id, { completed });
          context.progress(total === 0 ? 1 : completed / total, `${completed}/${total} evaluated`);
        };
        let next = 0;
        const worker = async () => {
          while (next < tasks.length) {
            const task = tasks[next++];
            if (!task) break;
            const requestId = `${context.requestId}.${task.item.position}.${task.variantIndex}`;
            const result = await evaluate(task.item, task.variant, requestId, capability, run);
            completed += 1;
            buffer.push(result);
            if (buffer.length >= FLUSH_EVERY) await flush();
          }
        };
        const evaluate = async (
          item: DatasetItem,
          variant: string,
          requestId: string,
          capability: AnyCapability,
          current: EvalRun,
        ): Promise<EvalResult> => {
          let output: unknown = null;
          let error: EvalResult['error'] = null;
          try {
            output = await invoker.invoke(capability, withoutModelChoice(item.input), {
              requestId,
              tenantId,
              signal: context.signal,
              logger: context.logger,
              model: variant,
            });
          } catch (thrown) {
            if (context.signal.aborted) throw thrown;
            const problem = asAppError(thrown);
            error = { code: problem.code, detail: problem.message };
          }
          const logged = outcomes.get(requestId);
          outcomes.delete(requestId);
          const latencyMs = logged?.latencyMs ?? 0;
          const tokens = { input: logged?.inputTokens ?? 0, output: logged?.outputTokens ?? 0 };
          const costUsd = costOf(options.prices, logged);
          const scores: Record<string, ItemScore | null> = {};
          for (const spec of current.scorers) {
            const scorer = options.scorers.get(spec.name);
            if (error !== null || !scorer) {
              scores[spec.as] = { value: 0, details: { error: error?.code ?? 'EVAL_SCORER_UNKNOWN' } };
              continue;
            }
            try {
              const score = await scorer.score(
                {
                  capability,
                  input: item.input,
                  output,
                  expected: item.expected ?? undefined,
                  reference: item.reference ?? undefined,
                  latencyMs,
                  tokens,
                  costUsd,
                },
                scorer.options.parse(spec.options),
                { models: context.models, signal: context.signal },
              );
              scores[spec.as] =
                score === null
                  ? null
                  : { value: clamp(score.value), ...(score.details ? { details: score.details } : {}) };
            } catch (thrown) {
              if (context.signal.aborted) throw thrown;
              const problem = asAppError(thrown);
              scores[spec.as] = { value: 0, details: { error: problem.code, detail: problem.message } };
            }
          }
          return {
            runId: current.id,
            itemId: item.id,
            position: item.position,
            variant,
            output,
            scores,
            latencyMs,
            inputTokens: tokens.input,
            outputTokens: tokens.output,
            costUsd,
            error,
          };
        };
        await Promise.all(
          Array.from({ length: Math.max(1, Math.min(run.concurrency, tasks.length)) }, worker),
        );
        await flush();
        const results = await store.listResults(tenantId, run.id);
        const summary = summarize(run.variants, run.scorers, options.scorers, results);
        await store.updateRun(tenantId, run.id, {
          status: 'succeeded',
          summary,
          completed: total,
          error: null,
          finishedAt: clock.now(),
        });
        return { run_id: run.id, status: 'succeeded' as const, items: total };
      } catch (thrown) {
        // An abort (cancel, timeout, shutdown) is the job's to report; the run resumes if it is redelivered.
        if (!context.signal.aborted) {
          const problem = asAppError(thrown);
          await store.updateRun(tenantId, run.id, {
            status: 'failed',
            error: { code: problem.code, detail: problem.message },
            finishedAt: clock.now(),
          });
        }
        throw thrown;
      }
    },
  });
}

async function allItems(store: EvalStore, run: EvalRun): Promise<DatasetItem[]> {
  const items: DatasetItem[] = [];
  for (;;) {
    const page = await store.listItems(run.tenantId, run.datasetId, run.datasetVersion, items.length, 1000);
    items.push(...page);
    if (page.length < 1000) return items;
  }
}

function clamp(value: number): number {
  return Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0;
}

function costOf(prices: EvalRunnerOptions['prices'], record: RequestRecord | undefined): number | null {
  if (!prices || !record || record.models.length !== 1)
    return record && record.models.length === 0 ? 0 : null;
  const price = prices[record.models[0] ?? ''];
  if (!price) return null;
  return (record.inputTokens * price.input + record.outputTokens * price.output) / 1_000_000;
}

/** The variant decides the engine: an item's own `model` field (kept from a logged call, say) is dropped. */
function withoutModelChoice(input: unknown): unknown {
  if (!input || typeof input !== 'object' || Array.isArray(input) || !('model' in input)) return input;
  const { model: _model, ...rest } = input as Record<string, unknown>;
  return rest;
}
