import { describe, expect, it } from 'vitest';
import { createHttpServer } from '../../platform/http/index.ts';
import { createLogger } from '../../platform/logging/index.ts';
import { registerMcpRoutes } from '../mcp/index.ts';
import { registerToolRoutes, ToolExecutor, ToolRegistry } from '../tools/index.ts';
import type { AgentEventFeed } from './agent-event-feed.ts';
import { registerAgentRoutes } from './agents.routes.ts';
import type { AgentService } from './agents.service.ts';

describe('agents, tools and MCP in the OpenAPI document', () => {
  it('documents every route with its scope and schemas', async () => {
    const { app } = await createHttpServer({
      logger: createLogger({ level: 'silent' }),
      bodyLimitBytes: 1_048_576,
      corsOrigins: [],
      version: 'test',
      description: 'test',
    });
    const registry = new ToolRegistry({ tools: [] });
    const executor = new ToolExecutor({
      invoker: undefined as never,
      capabilities: [],
      clock: { now: () => new Date() },
    });
    registerToolRoutes(app, { registry, executor });
    registerAgentRoutes(app, { service: {} as AgentService, feed: { close: () => {} } as AgentEventFeed });
    registerMcpRoutes(app, { registry, executor, version: 'test' });
    await app.ready();
    const document = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, { 'x-keel-scope'?: string; operationId?: string }>>;
    };
    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => [
        `${method.toUpperCase()} ${path}`,
        operation.operationId,
      ]),
    );
    expect(operations).toEqual(
      expect.arrayContaining([
        ['GET /v1/tools', 'listTools'],
        ['POST /v1/tools/{name}', 'callTool'],
        ['POST /v1/agents/runs', 'createAgentRun'],
        ['GET /v1/agents/runs', 'listAgentRuns'],
        ['GET /v1/agents/runs/{id}', 'getAgentRun'],
        ['GET /v1/agents/runs/{id}/actions', 'listAgentRunActions'],
        ['GET /v1/agents/runs/{id}/events', 'listAgentRunEvents'],
        ['GET /v1/agents/runs/{id}/stream', 'streamAgentRunEvents'],
        ['POST /v1/agents/runs/{id}/approve', 'approveAgentRunAction'],
        ['POST /v1/agents/runs/{id}/reject', 'rejectAgentRunAction'],
        ['POST /v1/agents/runs/{id}/cancel', 'cancelAgentRun'],
        ['POST /mcp', 'mcp'],
      ]),
    );
    await app.close();
  });
});
