import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../platform/errors/index.ts';
import { type HttpServer, problemResponses } from '../../platform/http/index.ts';
import { authErrors, grants } from '../auth/index.ts';
import { TOOL_EFFECTS } from './define-tool.ts';
import type { ToolExecutor } from './tool-executor.ts';
import type { ToolHandle } from './tool-handle.ts';
import type { ToolRegistry } from './tool-registry.ts';

export const toolDescriptionSchema = z
  .object({
    name: z.string(),
    description: z.string(),
    effect: z.enum(TOOL_EFFECTS).describe('`read`, `write` (changes data) or `external` (reaches outside).'),
    source: z.enum(['builtin', 'capability', 'custom', 'mcp']),
    scope: z.string().describe('The scope a key needs to call this tool or to allow it to an agent.'),
    timeout_ms: z.number().int(),
    input_schema: z.record(z.string(), z.unknown()).describe('JSON Schema of the arguments.'),
    output_schema: z
      .record(z.string(), z.unknown())
      .nullable()
      .describe('JSON Schema of the result, if declared.'),
  })
  .meta({ id: 'Tool' });

export function describeTool(tool: ToolHandle): z.infer<typeof toolDescriptionSchema> {
  return {
    name: tool.name,
    description: tool.description,
    effect: tool.effect,
    source: tool.source,
    scope: tool.scope,
    timeout_ms: tool.timeoutMs,
    input_schema: { ...tool.inputSchema },
    output_schema: tool.outputSchema ? { ...tool.outputSchema } : null,
  };
}

export function requireToolScope(request: FastifyRequest, tool: ToolHandle): void {
  const principal = request.principal;
  if (principal && !grants(principal.scopes, tool.scope)) {
    throw new AppError(authErrors.AUTH_SCOPE_MISSING, {
      detail: `Calling ${tool.name} needs the \`${tool.scope}\` scope.`,
      details: { required_scope: tool.scope },
    });
  }
}

export interface ToolRoutesOptions {
  readonly registry: ToolRegistry;
  readonly executor: ToolExecutor;
}

export function registerToolRoutes(app: HttpServer, options: ToolRoutesOptions): void {
  const { registry, executor } = options;
  app.get(
    '/v1/tools',
    {
      config: { scope: 'tools:list' },
      schema: {
        operationId: 'listTools',
        summary: 'List tools',
        description:
          'Every tool this deployment serves (built-ins, capabilities, custom tools, tools of configured MCP servers) with its effect, required scope and JSON Schemas. Agents may be allowed any of them; `POST /v1/tools/{name}` calls one directly.',
        tags: ['Tools'],
        response: {
          200: z.object({ items: z.array(toolDescriptionSchema) }).meta({ id: 'ToolList' }),
          ...problemResponses({ 401: 'No or unknown API key.', 403: 'The key lacks `tools:list`.' }),
        },
      },
    },
    async () => ({ items: (await registry.list()).map(describeTool) }),
  );

  app.post(
    '/v1/tools/:name',
    {
      config: { scope: 'tools:call' },
      schema: {
        operationId: 'callTool',
        summary: 'Call a tool',
        description:
          "Runs one tool directly with the given arguments (the body), validated against its input schema; needs `tools:call` and the tool's own scope (`scope` in `GET /v1/tools`). Works without any generative model.",
        tags: ['Tools'],
        params: z.object({ name: z.string().min(1).max(128) }),
        body: z.record(z.string(), z.unknown()).describe("Arguments matching the tool's `inputSchema`."),
        response: {
          200: z
            .object({
              tool: z.string(),
              output: z.unknown().describe("The tool's result (its `outputSchema`)."),
            })
            .meta({ id: 'ToolCallResult' }),
          ...problemResponses({
            400: 'The arguments do not match the input schema (`TOOL_INPUT_INVALID`) or the expression is invalid.',
            403: "The key lacks `tools:call` or the tool's scope.",
            404: 'No such tool (`TOOL_NOT_FOUND`).',
            502: 'The tool failed or returned an invalid output.',
            504: 'The tool timed out.',
          }),
        },
      },
    },
    async (request, reply) => {
      const tool = await registry.require(request.params.name);
      requireToolScope(request, tool);
      const abort = new AbortController();
      reply.raw.once('close', () => {
        if (!reply.raw.writableFinished) abort.abort();
      });
      const output = await executor.call(tool, request.body, {
        tenantId: request.tenantId,
        requestId: request.id,
        signal: abort.signal,
        logger: request.log,
      });
      return { tool: tool.name, output };
    },
  );
}
