import { WriteBehindBatcher } from '../../platform/batching/index.ts';
import { createRequestContext, runWithRequestContext } from '../../platform/http/index.ts';
import type { Notifier } from '../../platform/jobs/index.ts';
import type { AnyCapability, Clock, RoutedInvocation } from '../capabilities/index.ts';
import type { AnyScorer } from '../evals/index.ts';
import type { ModelCatalog } from '../gateway/index.ts';
import type { JobRecordStore } from '../jobs/index.ts';
import { VariantWebhook, type VariantWebhookSettings } from './rollback-webhook.ts';
import { createShadowWorkflow, ShadowScheduler } from './shadow-runs.ts';
import type { NewVariant, TrafficPolicy, VariantObservation } from './variant.types.ts';
import { VariantRouting } from './variant-routing.ts';
import type { VariantStore } from './variant-store.port.ts';
import { type TrafficChange, VariantService } from './variants.service.ts';

export interface VariantSystemOptions {
  readonly store: VariantStore;
  /** Every capability (looked up when variants are made and when shadows run). */
  readonly capabilities: () => readonly AnyCapability[];
  readonly models: ModelCatalog;
  readonly clock: Clock;
  readonly logger: {
    warn(object: object, message?: string): void;
    info(object: object, message?: string): void;
  };
  /** Other processes' changes arrive here (and this one's leave). */
  readonly notifier?: Notifier | undefined;
  /** Where shadow runs are queued as `variant-shadow` jobs; absent: shadows are not sampled here. */
  readonly jobs?: Pick<JobRecordStore, 'create'> | undefined;
  readonly shadowTimeoutMs?: number;
  readonly webhook?: VariantWebhookSettings | undefined;
  readonly userAgent?: string;
  /** Scorers a policy's automatic rollback may name (the eval module's registry). */
  readonly scorers?: ReadonlyMap<string, AnyScorer>;
  /** Variants and policies declared in keel.config.ts, added at start when missing. */
  readonly declared?: {
    readonly variants: readonly NewVariant[];
    readonly policies: readonly (TrafficChange & { capability: string })[];
  };
}

export interface VariantSystem {
  /** The invoker's router (the stable path). */
  readonly routing: VariantRouting;
  readonly service: VariantService;
  /** The `variant-shadow` workflow job workers run. */
  readonly shadowWorkflow: AnyCapability;
  /** Loads declarations and the routing table; follows other processes' changes. */
  start(): Promise<void>;
  /** Writes buffered observations now (feedback and comparisons read them). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The variants module's service graph: the store-backed service, the routing table the invoker reads,
 * the write-behind observation writer, the shadow scheduler and workflow, the webhook. Wired once per
 * process by the composition root.
 */
export function createVariantSystem(options: VariantSystemOptions): VariantSystem {
  const { store, clock, logger } = options;
  const writer = new WriteBehindBatcher<VariantObservation>((rows) => store.appendObservations(rows), {
    flushIntervalMs: 250,
    onError: (error, records, dropped) =>
      logger.warn({ err: error, records, dropped }, 'variants: observations could not be written'),
  });
  const scheduler = options.jobs
    ? new ShadowScheduler({ jobs: options.jobs, clock, timeoutMs: options.shadowTimeoutMs ?? 60_000, logger })
    : undefined;
  let service: VariantService | undefined;
  const routing = new VariantRouting({
    observe: writer.write,
    ...(scheduler ? { scheduleShadow: scheduler.schedule } : {}),
    rollBack: (capability, revision, reason) => service?.autoRollback(capability, revision, reason),
    score: (policy, invocation) => liveScore(options, policy, invocation),
    now: () => clock.now(),
  });
  service = new VariantService({
    store,
    routing,
    capabilities: options.capabilities,
    clock,
    notifier: options.notifier,
    logger,
    webhook: options.webhook ? new VariantWebhook(options.webhook, options.userAgent ?? 'keel') : undefined,
  });
  const shadowWorkflow = createShadowWorkflow({
    store,
    capabilities: options.capabilities,
    models: options.models,
    clock,
    observe: writer.write,
  });
  const running = service;
  return {
    routing,
    service: running,
    shadowWorkflow,
    async start() {
      if (options.declared) await running.declare(options.declared.variants, options.declared.policies);
      await running.start();
    },
    flush: () => writer.flush(),
    async close() {
      await running.stop();
      await writer.close();
    },
  };
}

/** The policy's rollback scorer on one live output, reference-free (no expected output); null if it does not apply. */
async function liveScore(
  options: VariantSystemOptions,
  policy: TrafficPolicy,
  invocation: RoutedInvocation,
): Promise<number | null> {
  const spec = policy.autoRollback.scorer;
  const scorer = spec ? options.scorers?.get(spec.name) : undefined;
  const capability = options.capabilities().find((candidate) => candidate.name === invocation.capability);
  if (!spec || !scorer || !capability) return null;
  const parsed = scorer.options.safeParse(spec.options ?? {});
  if (!parsed.success) return null;
  const signal = AbortSignal.timeout(30_000);
  // Its own request context: a judge's model calls count against `scorer:<capability>`, never the caller.
  const context = createRequestContext({
    requestId: `${invocation.requestId}.score`,
    tenantId: invocation.tenantId,
    subject: `scorer:${invocation.capability}`,
    authenticated: true,
  });
  const score = await runWithRequestContext(context, () =>
    scorer.score(
      {
        capability,
        input: invocation.input,
        output: invocation.output,
        expected: undefined,
        reference: undefined,
        latencyMs: invocation.latencyMs,
        tokens: { input: invocation.inputTokens, output: invocation.outputTokens },
        costUsd: invocation.costUsd,
      },
      parsed.data,
      {
        models: options.models.forInvocation({
          requestId: `${invocation.requestId}.score`,
          tenantId: invocation.tenantId,
          source: `variants:${spec.name}`,
          capability: invocation.capability,
          signal,
        }),
        signal,
      },
    ),
  );
  return score?.value ?? null;
}
