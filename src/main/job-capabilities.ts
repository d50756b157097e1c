import { type AgentSystem, createAgentSystem, MemoryAgentStore } from '../modules/agents/index.ts';
import type { AnyCapability, CapabilityInvoker } from '../modules/capabilities/index.ts';
import { type EvalsDependencies, memoryEvals, withEvalRunWorkflow } from '../modules/evals/index.ts';
import type { RequestRecord } from '../modules/request-log/index.ts';
import { type Logger, secretRedactor } from '../platform/logging/index.ts';
import type { AppDependencies } from './build-app.ts';
import { KEEL_VERSION } from './version.ts';

export interface JobCapabilities {
  readonly agents: AgentSystem;
  readonly evals: EvalsDependencies;
  /** What the job system runs: every capability, `agent-run` segments and `eval-run` runs. */
  readonly capabilities: AnyCapability[];
}

/**
 * What jobs run in a process, the same in `keel serve` and `keel worker`: the capabilities, agent-run
 * segments (with the tools) and eval runs. A worker that lacked one would fail those jobs.
 */
export function createJobCapabilities(
  dependencies: AppDependencies,
  invoker: CapabilityInvoker,
  record: (record: RequestRecord) => void,
  logger: Logger,
): JobCapabilities {
  const agents = createAgentSystem({
    dependencies: dependencies.agents ?? { store: new MemoryAgentStore() },
    invoker,
    capabilities: dependencies.capabilities,
    models: dependencies.models,
    search: dependencies.documents.search,
    documents: dependencies.documents.service,
    clock: dependencies.clock,
    logger,
    redactor: secretRedactor,
    version: KEEL_VERSION,
    notifier: dependencies.jobs.notifier,
  });
  const evals = dependencies.evals ?? memoryEvals();
  const capabilities = withEvalRunWorkflow(
    [
      ...dependencies.capabilities,
      agents.capability,
      ...(dependencies.documents.ingestCapability ? [dependencies.documents.ingestCapability] : []),
    ],
    {
      evals,
      models: dependencies.models,
      clock: dependencies.clock,
      record,
    },
  );
  return { agents, evals, capabilities };
}
