import { z } from 'zod';
import { AppError } from '../../platform/errors/index.ts';
import { type HttpServer, problemResponses } from '../../platform/http/index.ts';
import { mcpErrors } from './mcp.errors.ts';
import type { McpServerOptions } from './mcp-server.ts';

const jsonRpcMessage = z.record(z.string(), z.unknown());

/** `POST /mcp`: Keel as an MCP server (Streamable HTTP, stateless, JSON answers), behind the same keys. */
export function registerMcpRoutes(app: HttpServer, options: McpServerOptions): void {
  app.post(
    '/mcp',
    {
      config: { scope: 'mcp:connect' },
      schema: {
        operationId: 'mcp',
        summary: 'Model Context Protocol endpoint',
        description:
          "Keel as an MCP server over Streamable HTTP (stateless; answers are JSON). `tools/list` lists every capability and tool your key's scopes grant, with JSON Schemas; `tools/call` runs one through the same validation, limits and logging as `POST /v1/tools/{name}`. Authenticate with `Authorization: Bearer <key>`; the key needs `mcp:connect`.",
        tags: ['Tools'],
        body: z.union([jsonRpcMessage, z.array(jsonRpcMessage)]).describe('A JSON-RPC 2.0 message or batch.'),
        response: {
          200: {
            description: 'The JSON-RPC response(s).',
            content: { 'application/json': { schema: z.unknown() } },
          },
          202: {
            description: 'A notification or response was accepted.',
            content: { 'application/json': { schema: z.unknown() } },
          },
          ...problemResponses({
            400: 'The body is not a JSON-RPC message.',
            406: 'The client must accept both `application/json` and `text/event-stream`.',
          }),
        },
      },
    },
    async (request, reply) => {
      const abort = new AbortController();
      reply.raw.once('close', () => {
        if (!reply.raw.writableFinished) abort.abort();
      });
      const headers = new Headers();
      for (const [name, value] of Object.entries(request.headers)) {
        if (typeof value === 'string') headers.set(name, value);
        else if (Array.isArray(value)) headers.set(name, value.join(', '));
      }
      const webRequest = new Request(`http://${request.host || 'localhost'}${request.url}`, {
        method: 'POST',
        headers,
        body: JSON.stringify(request.body),
      });
      // Loaded on the first MCP request: the MCP SDK costs start-up ~0.2-0.5 s that most runs never use.
      const { answerMcpRequest } = await import('./mcp-server.ts');
      const response = await answerMcpRequest(
        webRequest,
        request.body,
        {
          tenantId: request.tenantId,
          requestId: request.id,
          scopes: request.principal?.scopes ?? ['admin'],
          logger: request.log,
          signal: abort.signal,
        },
        options,
      );
      reply.code(response.status as 200);
      for (const [name, value] of response.headers) {
        if (name !== 'content-length' && name !== 'content-type') reply.header(name, value);
      }
      const text = await response.text();
      if (text === '') return reply.send();
      // The transport answers JSON-RPC (its own errors included) as JSON; Fastify serialises it again.
      return reply.type('application/json').send(JSON.parse(text) as unknown);
    },
  );

  for (const method of ['GET', 'DELETE'] as const) {
    app.route({
      method,
      url: '/mcp',
      config: { scope: 'mcp:connect' },
      schema: {
        operationId: method === 'GET' ? 'mcpStream' : 'mcpEndSession',
        summary: method === 'GET' ? 'MCP server stream (not offered)' : 'End an MCP session (not offered)',
        description: 'Keel serves MCP statelessly: use POST. Answers 405 `MCP_METHOD_NOT_ALLOWED`.',
        tags: ['Tools'],
        response: { ...problemResponses({ 405: 'Use POST (`MCP_METHOD_NOT_ALLOWED`).' }) },
      },
      handler: async (_request, reply) => {
        reply.header('allow', 'POST');
        throw new AppError(mcpErrors.MCP_METHOD_NOT_ALLOWED);
      },
    });
  }
}
