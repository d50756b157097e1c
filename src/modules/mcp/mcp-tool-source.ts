import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { z } from 'zod';
import { AppError } from '../../platform/errors/index.ts';
import {
  type DynamicToolSource,
  issuesOf,
  type JsonSchema,
  type ToolHandle,
  toolErrors,
  toolScope,
  type Validation,
} from '../tools/index.ts';
import { mcpErrors } from './mcp.errors.ts';
import type { McpServerConfig } from './mcp-config.ts';

interface ListedTool {
  readonly name: string;
  readonly description?: string | undefined;
  readonly inputSchema: Record<string, unknown>;
  readonly outputSchema?: Record<string, unknown> | undefined;
}

/** `mcp_<server>_<tool>`, with anything outside `[a-z0-9_]` written `_` (tool names must be kebab-scope-safe). */
export function mcpToolName(server: string, tool: string): string {
  return `mcp_${server}_${tool.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`.slice(0, 64);
}

function validatorFor(schema: Record<string, unknown>): (input: unknown) => Validation {
  let compiled: z.ZodType | undefined;
  try {
    compiled = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
  } catch {
    compiled = undefined;
  }
  return (input) => {
    if (compiled) {
      const parsed = compiled.safeParse(input);
      return parsed.success ? { ok: true, value: input } : { ok: false, issues: issuesOf(parsed.error) };
    }
    // A schema Zod cannot read: check the shape MCP requires and let the server validate the rest.
    return input !== null && typeof input === 'object' && !Array.isArray(input)
      ? { ok: true, value: input }
      : { ok: false, issues: [{ pointer: '', message: 'expected an object', code: 'invalid_type' }] };
  };
}

/**
 * The tools of one configured MCP server, as Keel tools: the client connects on first use (starting a stdio
 * server's process), lists tools (cached for `listTtlMs`), and reconnects after the server went away.
 */
export class McpToolSource implements DynamicToolSource {
  readonly name: string;
  readonly #config: McpServerConfig;
  readonly #version: string;
  #client: Promise<Client> | undefined;
  #listing: { readonly at: number; readonly tools: readonly ToolHandle[] } | undefined;
  #closed = false;

  constructor(config: McpServerConfig, version = '0.0.0') {
    this.name = config.name;
    this.#config = config;
    this.#version = version;
  }

  async tools(): Promise<readonly ToolHandle[]> {
    if (this.#listing && Date.now() - this.#listing.at < this.#config.listTtlMs) return this.#listing.tools;
    const client = await this.#connect();
    const listed = await this.#guard(() => client.listTools(undefined, { timeout: this.#config.timeoutMs }));
    const tools = listed.tools.map((tool) => this.#handle(tool as ListedTool));
    this.#listing = { at: Date.now(), tools };
    return tools;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const client = this.#client;
    this.#client = undefined;
    if (client === undefined) return;
    const connected = await client.catch(() => undefined);
    await connected?.close().catch(() => {});
  }

  #handle(tool: ListedTool): ToolHandle {
    const name = mcpToolName(this.#config.name, tool.name);
    const effect = this.#config.toolEffects[tool.name] ?? this.#config.effect;
    const { $schema: _ignored, ...inputSchema } = tool.inputSchema;
    return {
      name,
      description: `${tool.description ?? tool.name} (from the MCP server "${this.#config.name}")`.slice(
        0,
        2_000,
      ),
      effect,
      source: 'mcp',
      inputSchema: inputSchema as JsonSchema,
      outputSchema: (tool.outputSchema as JsonSchema | undefined) ?? null,
      timeoutMs: this.#config.timeoutMs,
      scope: toolScope(name),
      validateInput: validatorFor(tool.inputSchema),
      execute: async (input, context) => {
        const client = await this.#connect();
        const result = await this.#guard(() =>
          client.callTool({ name: tool.name, arguments: input as Record<string, unknown> }, undefined, {
            signal: context.signal,
            timeout: this.#config.timeoutMs,
          }),
        );
        const text = Array.isArray(result.content)
          ? (result.content as Array<{ type: string; text?: string }>)
              .filter((part) => part.type === 'text')
              .map((part) => part.text ?? '')
              .join('\n')
          : '';
        if (result.isError) {
          throw new AppError(toolErrors.TOOL_FAILED, {
            detail: `${name}: the MCP server reported an error: ${text}`.slice(0, 1_000),
          });
        }
        return result.structuredContent ?? { text };
      },
    };
  }

  /** Failures of the connection drop the client, so the next use reconnects (and restarts a stdio server). */
  async #guard<T>(action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      if (error instanceof AppError) throw error;
      const client = this.#client;
      this.#client = undefined;
      this.#listing = undefined;
      void client?.then((connected) => connected.close()).catch(() => {});
      throw new AppError(mcpErrors.MCP_SERVER_UNAVAILABLE, {
        detail:
          `MCP server "${this.#config.name}": ${error instanceof Error ? error.message : String(error)}`.slice(
            0,
            500,
          ),
        cause: error,
      });
    }
  }

  #connect(): Promise<Client> {
    if (this.#closed) {
      return Promise.reject(
        new AppError(mcpErrors.MCP_SERVER_UNAVAILABLE, { detail: 'Keel is shutting down.' }),
      );
    }
    this.#client ??= (async () => {
      // The MCP SDK is loaded on the first connection, not at start-up.
      const [{ Client: McpClient }, { StdioClientTransport }, { StreamableHTTPClientTransport }] =
        await Promise.all([
          import('@modelcontextprotocol/sdk/client/index.js'),
          import('@modelcontextprotocol/sdk/client/stdio.js'),
          import('@modelcontextprotocol/sdk/client/streamableHttp.js'),
        ]);
      const client = new McpClient({ name: 'keel', version: this.#version });
      const transport: Transport =
        this.#config.transport === 'stdio'
          ? new StdioClientTransport({
              command: this.#config.command as string,
              args: this.#config.args,
              ...(this.#config.env ? { env: this.#config.env } : {}),
              ...(this.#config.cwd ? { cwd: this.#config.cwd } : {}),
              stderr: 'ignore',
            })
          : new StreamableHTTPClientTransport(new URL(this.#config.url as string), {
              requestInit: { headers: this.#config.headers ?? {} },
            });
      try {
        await client.connect(transport, { timeout: this.#config.timeoutMs });
      } catch (error) {
        this.#client = undefined;
        await client.close().catch(() => {});
        throw new AppError(mcpErrors.MCP_SERVER_UNAVAILABLE, {
          detail:
            `MCP server "${this.#config.name}" cannot be reached: ${error instanceof Error ? error.message : String(error)}`.slice(
              0,
              500,
            ),
          cause: error,
        });
      }
      return client;
    })();
    return this.#client;
  }
}
