import {
  type AgentEventFeed,
  AgentLoop,
  AgentService,
  type AgentStore,
  createAgentEventFeed,
  createAgentRunCapability,
  notifyingAgentStore,
  type Redactor,
} from '../modules/agents/index.ts';
import type { AnyCapability, CapabilityInvoker, Clock } from '../modules/capabilities/index.ts';
import type { DocumentsService } from '../modules/documents/index.ts';
import type { ModelCatalog } from '../modules/gateway/index.ts';
import type { JobService } from '../modules/jobs/index.ts';
import type { SearchService } from '../modules/retrieval/index.ts';
import {
  type AnyTool,
  createToolSystem,
  type DynamicToolSource,
  type ToolSystem,
} from '../modules/tools/index.ts';
import type { Notifier } from '../platform/jobs/index.ts';
import type { Logger } from '../platform/logging/index.ts';

/** What `buildApp` is given for tools and agents (all optional: memory store, no custom tools, no MCP servers). */
export interface AgentDependencies {
  readonly store: AgentStore;
  /** The team's own tools (`defineTool`). */
  readonly tools?: readonly AnyTool[];
  /** Configured MCP servers' tools (`McpToolSource`), closed by their owner. */
  readonly mcpSources?: readonly DynamicToolSource[];
  /** How often an agent SSE stream re-reads a live run. */
  readonly streamPollMs?: number;
}

export interface AgentSystemOptions {
  readonly dependencies: AgentDependencies;
  readonly invoker: CapabilityInvoker;
  readonly capabilities: readonly AnyCapability[];
  readonly models: ModelCatalog;
  readonly search: SearchService;
  readonly documents: DocumentsService;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly redactor: Redactor;
  /** Announces appended run events across processes, so streams follow runs without polling. */
  readonly notifier: Notifier;
}

export interface AgentSystem {
  readonly tools: ToolSystem;
  /** The `agent-run` workflow: hand it to the job system with the other capabilities. */
  readonly capability: AnyCapability;
  /** Follows runs' events (the SSE stream, `POST /v1/agent`). */
  readonly feed: AgentEventFeed;
  /** The API's agent service, once the job service it enqueues runs on exists (its routes: build-app). */
  createService(jobs: JobService): AgentService;
}

/**
 * Tools and the agent loop, wired from what the process already has: the tools module's registry and
 * executor (built-ins, capabilities, custom and MCP tools) under the agents module's loop and service.
 */
export function wireAgents(options: AgentSystemOptions): AgentSystem {
  const { dependencies, logger } = options;
  const tools = createToolSystem({
    invoker: options.invoker,
    capabilities: options.capabilities,
    clock: options.clock,
    search: options.search,
    documents: options.documents,
    tools: dependencies.tools ?? [],
    sources: dependencies.mcpSources ?? [],
    onSourceError: (source, error) => logger.warn({ err: error, source }, 'MCP server tools unavailable'),
  });
  // Every append is announced, from the loop in a worker as from the API, so followers wake up.
  const store = notifyingAgentStore(dependencies.store, options.notifier);
  const feed = createAgentEventFeed(store, options.notifier, dependencies.streamPollMs);
  const loop = new AgentLoop({
    store,
    registry: tools.registry,
    executor: tools.executor,
    clock: options.clock,
    redactor: options.redactor,
  });
  return {
    tools,
    capability: createAgentRunCapability(loop),
    feed,
    createService(jobs) {
      return new AgentService({
        store,
        registry: tools.registry,
        models: options.models,
        clock: options.clock,
        redactor: options.redactor,
        enqueue: (request) => jobs.create(request),
      });
    },
  };
}
