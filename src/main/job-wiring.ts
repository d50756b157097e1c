import { MemoryAgentStore } from '../modules/agents/index.ts';
import { CapabilityInvoker } from '../modules/capabilities/index.ts';
import {
  type EvalsDependencies,
  MemoryEvalStore,
  scorerRegistry,
  withEvalRunWorkflow,
} from '../modules/evals/index.ts';
import { MemoryFeedbackStore } from '../modules/feedback/index.ts';
import { createJobSystem, type JobSystem } from '../modules/jobs/index.ts';
import type { RequestRecord } from '../modules/request-log/index.ts';
import {
  createVariantSystem,
  MemoryVariantStore,
  type VariantSystem,
  type VariantSystemOptions,
} from '../modules/variants/index.ts';
import { secretRedactor } from '../platform/logging/index.ts';
import { type AgentSystem, wireAgents } from './agent-wiring.ts';
import type { AppDependencies } from './build-app.ts';
import { KEEL_VERSION } from './version.ts';

/** What the jobs of a process are wired from: `keel serve` passes its app dependencies, `keel worker` its own. */
export type JobWiringDependencies = Pick<
  AppDependencies,
  | 'logger'
  | 'models'
  | 'capabilities'
  | 'guardrails'
  | 'clock'
  | 'keys'
  | 'documents'
  | 'jobs'
  | 'agents'
  | 'evals'
  | 'variants'
>;

/** Variants' storage and settings, chosen by the composition root (in memory when unset). */
export type VariantDependencies = Pick<
  VariantSystemOptions,
  'store' | 'webhook' | 'declared' | 'shadowTimeoutMs'
>;

export interface JobWiring {
  /** Runs capabilities for HTTP calls and job attempts alike, recording each in the request log. */
  readonly invoker: CapabilityInvoker;
  readonly agents: AgentSystem;
  readonly evals: EvalsDependencies;
  /** The job service and event feed, and the workers when they run in this process (not started yet). */
  readonly jobs: JobSystem;
  /** Variants: the invoker's routing, their service, and the `variant-shadow` workflow (not started yet). */
  readonly variants: VariantSystem;
}

/**
 * The jobs of a process, wired the same in `keel serve` and `keel worker`: what they run (every capability,
 * `agent-run` segments with the tools, `eval-run` runs, document ingestion) and the job system around them.
 * A worker that lacked one would fail those jobs.
 */
export function wireJobs(
  dependencies: JobWiringDependencies,
  record: (record: RequestRecord) => void,
): JobWiring {
  const { clock, logger, models } = dependencies;
  const evals = dependencies.evals ?? { store: new MemoryEvalStore(), feedback: new MemoryFeedbackStore() };
  const variants = createVariantSystem({
    ...(dependencies.variants ?? { store: new MemoryVariantStore() }),
    // Variants belong to the capabilities callers call; shadows run them too.
    capabilities: () => dependencies.capabilities,
    models,
    clock,
    logger,
    notifier: dependencies.jobs.notifier,
    jobs: dependencies.jobs.store,
    userAgent: `keel/${KEEL_VERSION}`,
    scorers: scorerRegistry(evals.scorers),
  });
  const invoker = new CapabilityInvoker({
    models,
    clock,
    record,
    variants: variants.routing,
    guardrails: dependencies.guardrails,
  });
  const agents = wireAgents({
    dependencies: dependencies.agents ?? { store: new MemoryAgentStore() },
    invoker,
    capabilities: dependencies.capabilities,
    models,
    search: dependencies.documents.search,
    documents: dependencies.documents.service,
    clock,
    logger,
    redactor: secretRedactor,
    notifier: dependencies.jobs.notifier,
  });
  // Unset (tests), datasets, runs and feedback live in this process.
  const capabilities = withEvalRunWorkflow(
    [
      ...dependencies.capabilities,
      agents.capability,
      variants.shadowWorkflow,
      ...(dependencies.documents.ingestCapability ? [dependencies.documents.ingestCapability] : []),
    ],
    { evals, models, clock, record },
  );
  const jobs = createJobSystem({
    ...dependencies.jobs,
    invoker,
    capabilities,
    clock,
    logger,
    userAgent: `keel/${KEEL_VERSION}`,
    keyWebhook: (apiKeyId) => dependencies.keys.webhookOf(apiKeyId),
  });
  return { invoker, agents, evals, jobs, variants };
}
