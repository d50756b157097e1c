import type { KeelConfig } from '../config/index.ts';
import { loadProviderModules } from '../modules/gateway/index.ts';
import { SqlChunkIndex } from '../modules/retrieval/index.ts';
import type { Logger } from '../platform/logging/index.ts';
import {
  buildCapabilities,
  buildCompute,
  buildConversations,
  buildDocuments,
  buildGateway,
  buildGuardrails,
  buildKeys,
  buildLimitStore,
  buildMcpSources,
  buildRequestLog,
  buildTelemetry,
} from './builders.ts';
import { buildMigratedDatabase } from './database-builder.ts';
import { createJobDependencies } from './job-dependencies.ts';
import type { ResourceScope } from './resource-scope.ts';

/**
 * What `keel serve` and `keel worker` both build, top to bottom, each resource owned by the scope as it is
 * opened: the database and the job queue first (an outage fails here, before threads and connections
 * exist), then telemetry, compute, keys, limits, the gateway with its model-call middlewares, the request
 * log, documents, conversations, the capabilities and MCP sources. A job runs in a worker exactly as in the
 * API because both processes build it here; each root adds only what its process alone needs.
 */
export async function buildProcessServices(
  scope: ResourceScope,
  config: KeelConfig,
  logger: Logger,
  role: 'api' | 'worker',
) {
  const { database } = await buildMigratedDatabase(scope, config, logger);
  // Durable jobs: pg-boss on this database; workers in the API too when embedded or KEEL_API_WORKERS says so.
  const jobs = await createJobDependencies(scope, config, database, logger, role);
  const chunkIndex = await SqlChunkIndex.open(database);

  const telemetry = await buildTelemetry(scope, config, logger);
  const compute = await buildCompute(scope, config, telemetry, logger);
  // Keys: their limits and budgets apply to every model call, a job's included, and a key's webhook to its jobs.
  const keys = buildKeys(config, database, logger);
  const limitStore = await buildLimitStore(scope, config);
  await loadProviderModules(config.models.gateway.providers.map((provider) => provider.kind));
  const gateway = buildGateway(scope, { config, logger, database, telemetry, compute, keys, limitStore });
  // Policies per capability, per key and for `/openai/v1`, enforced by the invoker and the model middleware.
  const guardrails = buildGuardrails(config, { compute, keys, telemetry, gateway: gateway.models });
  const requestLog = buildRequestLog(scope, config, database, telemetry, logger);

  const documents = buildDocuments(scope, {
    config,
    logger,
    database,
    index: chunkIndex,
    jobs: jobs.store,
    compute,
    localEmbeddingModel: gateway.localEmbeddingModel,
  });
  const conversations = buildConversations(scope, config, database, logger);
  const capabilities = buildCapabilities({ config, compute, documents, conversations });
  const mcpSources = buildMcpSources(scope, config);
  return {
    database,
    jobs,
    chunkIndex,
    telemetry,
    compute,
    keys,
    limitStore,
    gateway,
    guardrails,
    requestLog,
    documents,
    conversations,
    capabilities,
    mcpSources,
  };
}
