import { z } from 'zod';

const effect = z.enum(['read', 'write', 'external']);

/**
 * One MCP server whose tools Keel's agents may use (`mcp.servers` in keel.config.ts). Its tools are named
 * `mcp_<server>_<tool>`. Their effect is `external` unless declared here, so by default every call of them
 * waits for a human's approval: an MCP server's own hints are not trusted.
 */
export const mcpServerConfigSchema = z
  .object({
    name: z
      .string()
      .regex(/^[a-z][a-z0-9]*$/, 'lower-case letters and digits')
      .max(24),
    transport: z.enum(['stdio', 'http']),
    /** stdio: the command to start (Keel starts it on first use and stops it on shutdown). */
    command: z.string().min(1).optional(),
    args: z.array(z.string()).default([]),
    /** stdio: environment of the process (only these variables plus a safe default set: PATH, HOME...). */
    env: z.record(z.string(), z.string()).optional(),
    cwd: z.string().optional(),
    /** http: the Streamable HTTP endpoint. */
    url: z.url().optional(),
    headers: z.record(z.string(), z.string()).optional(),
    effect: effect.default('external'),
    /** Per-tool effects (by the server's own tool name), overriding `effect`. */
    toolEffects: z.record(z.string(), effect).default({}),
    timeoutMs: z.number().int().min(100).max(600_000).default(30_000),
    /** How long a listing of the server's tools is reused. */
    listTtlMs: z.number().int().min(0).default(60_000),
  })
  .strict()
  .refine(
    (server) => (server.transport === 'stdio' ? server.command !== undefined : server.url !== undefined),
    {
      message: 'stdio servers need `command`, http servers need `url`',
    },
  );

export type McpServerConfig = z.output<typeof mcpServerConfigSchema>;
export type McpServerConfigInput = z.input<typeof mcpServerConfigSchema>;

export const mcpConfigSchema = z
  .object({ servers: z.array(mcpServerConfigSchema).default([]) })
  .strict()
  .refine((mcp) => new Set(mcp.servers.map((server) => server.name)).size === mcp.servers.length, {
    message: 'MCP server names must be unique',
  });
