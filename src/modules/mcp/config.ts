// What `src/config` reads of the MCP module: the `mcp` section's schema, without the server or the clients.
export { type McpServerConfig, mcpConfigSchema } from './mcp-config.ts';
