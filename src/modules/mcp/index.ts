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
export { answerMcpRequest, type McpCaller, type McpServerOptions } from './mcp-server.ts';
export { McpToolSource, mcpToolName } from './mcp-tool-source.ts';
