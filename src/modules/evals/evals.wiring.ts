import type { HttpServer } from '../../platform/http/index.ts';
import type { AnyCapability, Clock } from '../capabilities/index.ts';
import {
  FeedbackService,
  type FeedbackStore,
  MemoryFeedbackStore,
  registerFeedbackRoutes,
} from '../feedback/index.ts';
import type { ModelCatalog, PriceSettings } from '../gateway/index.ts';
import type { RequestLogStore, RequestRecord } from '../request-log/index.ts';
import { registerDatasetRoutes } from './datasets.routes.ts';
import { DatasetsService } from './datasets.service.ts';
import { createEvalRunWorkflow, EVAL_RUN_CAPABILITY } from './eval-run.workflow.ts';
import { registerEvalRunRoutes } from './eval-runs.routes.ts';
import { EvalRunsService, type JobStarter } from './eval-runs.service.ts';
import type { EvalStore } from './eval-store.port.ts';
import { MemoryEvalStore } from './memory-eval-store.ts';
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

export function memoryEvals(): EvalsDependencies {
  return { store: new MemoryEvalStore(), feedback: new MemoryFeedbackStore() };
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

/** `/v1/datasets`, `/v1/eval-runs` and `/v1/feedback`. */
export function registerEvalRoutes(
  app: HttpServer,
  options: {
    readonly evals: EvalsDependencies;
    readonly capabilities: readonly AnyCapability[];
    readonly jobs: JobStarter;
    readonly requests: RequestLogStore;
    readonly flushRequests: () => Promise<void>;
    readonly clock: Clock;
  },
): void {
  const capabilities = () => options.capabilities;
  const datasets = new DatasetsService({ store: options.evals.store, capabilities, clock: options.clock });
  const feedback = new FeedbackService({
    store: options.evals.feedback,
    requests: options.requests,
    flushRequests: options.flushRequests,
    capabilities,
    clock: options.clock,
  });
  const runs = new EvalRunsService({
    store: options.evals.store,
    datasets,
    jobs: options.jobs,
    scorers: scorerRegistry(options.evals.scorers),
    clock: options.clock,
  });
  registerDatasetRoutes(app, { datasets, feedback });
  registerEvalRunRoutes(app, { runs, datasets });
  registerFeedbackRoutes(app, { service: feedback });
}
