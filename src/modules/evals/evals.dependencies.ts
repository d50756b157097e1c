import type { AnyCapability, Clock } from '../capabilities/index.ts';
import type { FeedbackStore } from '../feedback/index.ts';
import type { ModelCatalog, PriceSettings } from '../gateway/index.ts';
import type { RequestRecord } from '../request-log/index.ts';
import { createEvalRunWorkflow, EVAL_RUN_CAPABILITY } from './eval-run.workflow.ts';
import type { EvalStore } from './eval-store.port.ts';
import { builtinScorers } from './scorers/builtin-scorers.ts';
import type { AnyScorer } from './scorers/define-scorer.ts';

/** Storage (and custom scorers) of evals and feedback, chosen by the composition root. */
export interface EvalsDependencies {
  readonly store: EvalStore;
  readonly feedback: FeedbackStore;
  /** Scorers declared with `defineScorer`, beside the built-in ones (a custom one may replace a built-in). */
  readonly scorers?: readonly AnyScorer[];
  /** `provider:model` -> USD per million tokens (the gateway's price table), for per-item cost. */
  readonly prices?: Readonly<Record<string, PriceSettings>>;
}

export function scorerRegistry(custom: readonly AnyScorer[] = []): ReadonlyMap<string, AnyScorer> {
  return new Map([...builtinScorers, ...custom].map((scorer) => [scorer.name, scorer]));
}

/**
 * The capabilities with the `eval-run` workflow added (once): job workers, in `keel serve` or `keel
 * worker`, need it to execute runs. Evaluated capabilities are looked up in the same list at run time.
 */
export function withEvalRunWorkflow(
  capabilities: readonly AnyCapability[],
  options: {
    readonly evals: EvalsDependencies;
    readonly models: ModelCatalog;
    readonly clock: Clock;
    readonly record: (record: RequestRecord) => void;
  },
): AnyCapability[] {
  if (capabilities.some((capability) => capability.name === EVAL_RUN_CAPABILITY)) return [...capabilities];
  const list: AnyCapability[] = [...capabilities];
  list.push(
    createEvalRunWorkflow({
      store: options.evals.store,
      capabilities: () => list,
      scorers: scorerRegistry(options.evals.scorers),
      models: options.models,
      clock: options.clock,
      record: options.record,
      ...(options.evals.prices ? { prices: options.evals.prices } : {}),
    }),
  );
  return list;
}
