// MCP both ways: Keel as an MCP server (`POST /mcp`, Streamable HTTP, same keys and scopes) and as an MCP
// client whose configured servers' tools agents may be allowed.

export { mcpErrors } from './mcp.errors.ts';
export { registerMcpRoutes } from './mcp.routes.ts';
export {
  type McpServerConfig,
  type McpServerConfigInput,
  mcpConfigSchema,
  mcpServerConfigSchema,
} from './mcp-config.ts';
// `mcp-server.ts` (the MCP SDK) is imported by the route on first use, not from here.
export type { McpCaller, McpServerOptions } from './mcp-server.ts';
export { McpToolSource, mcpToolName } from './mcp-tool-source.ts';
