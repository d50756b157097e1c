// Tools: typed functions (`defineTool`, Zod schemas, declared effects, timeouts) that agents and MCP clients
// call; built-ins (search, fetch_document, calculator, current_time), every capability, and MCP servers' tools.

export {
  calculatorTool,
  currentTimeTool,
  fetchDocumentTool,
  searchTool,
} from './builtin-tools.ts';
export { evaluateExpression } from './calculator.ts';
export type { AnyTool, Tool, ToolContext, ToolDefinition, ToolEffect, ToolSource } from './define-tool.ts';
export { DEFAULT_TOOL_TIMEOUT_MS, defineTool, TOOL_EFFECTS, TOOL_NAME_PATTERN } from './define-tool.ts';
export type { ToolCallScope, ToolExecutorOptions } from './tool-executor.ts';
export { ToolExecutor } from './tool-executor.ts';
export type { JsonSchema, ToolHandle, Validation, ValidationIssue } from './tool-handle.ts';
export { handleFromCapability, handleFromTool, issuesOf, toolScope } from './tool-handle.ts';
export type { DynamicToolSource, ToolRegistryOptions } from './tool-registry.ts';
export { ToolRegistry } from './tool-registry.ts';
export { createToolSystem, type ToolSystem, type ToolSystemOptions } from './tool-system.ts';
export { toolErrors } from './tools.errors.ts';
export { describeTool, registerToolRoutes, requireToolScope, toolDescriptionSchema } from './tools.routes.ts';
