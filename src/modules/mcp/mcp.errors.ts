import { defineErrors } from '../../platform/errors/index.ts';

export const mcpErrors = defineErrors({
  MCP_METHOD_NOT_ALLOWED: {
    status: 405,
    title: 'Use POST for MCP',
    category: 'user',
    retryable: false,
    description:
      "Keel's MCP endpoint is stateless Streamable HTTP: every JSON-RPC message is a `POST /mcp`; there is no server-initiated stream (GET) and no session to delete (DELETE).",
  },
  MCP_SERVER_UNAVAILABLE: {
    status: 502,
    title: 'The MCP server is unavailable',
    category: 'third_party',
    retryable: true,
    description:
      'A configured MCP server (`mcp.servers` in keel.config.ts) could not be started or reached, or stopped answering. Its tools are left out of `GET /v1/tools` until it answers again.',
  },
});
