import type { AnyCapability, CapabilityInvoker, Clock } from '../capabilities/index.ts';
import type { DocumentsService } from '../documents/index.ts';
import type { SearchService } from '../retrieval/index.ts';
import { calculatorTool, currentTimeTool, fetchDocumentTool, searchTool } from './builtin-tools.ts';
import type { AnyTool } from './define-tool.ts';
import { ToolExecutor } from './tool-executor.ts';
import { handleFromCapability, handleFromTool, objectInputSchema } from './tool-handle.ts';
import { type DynamicToolSource, ToolRegistry } from './tool-registry.ts';

export interface ToolSystemOptions {
  readonly invoker: CapabilityInvoker;
  readonly capabilities: readonly AnyCapability[];
  readonly clock: Clock;
  readonly search: SearchService;
  readonly documents: DocumentsService;
  /** The team's own tools (`defineTool`). */
  readonly tools?: readonly AnyTool[];
  /** Tools of MCP servers, listed on demand. */
  readonly sources?: readonly DynamicToolSource[];
  readonly onSourceError?: (source: string, error: unknown) => void;
}

export interface ToolSystem {
  readonly registry: ToolRegistry;
  readonly executor: ToolExecutor;
}

/**
 * The registry of every tool (built-ins, then each capability callable in one exchange, then custom tools,
 * then MCP servers' tools) and the executor that validates and runs them.
 */
export function createToolSystem(options: ToolSystemOptions): ToolSystem {
  const builtins = [
    searchTool(options.search),
    fetchDocumentTool(options.documents),
    calculatorTool,
    currentTimeTool,
  ].map((tool) => handleFromTool(tool, 'builtin'));
  // Workflows (`sync: false`) run only as jobs, and tool arguments are objects: others are not tools.
  const capabilities = options.capabilities
    .filter((capability) => capability.sync !== false && objectInputSchema(capability.input) !== undefined)
    .map((capability) => handleFromCapability(capability, options.invoker));
  const custom = (options.tools ?? []).map((tool) => handleFromTool(tool, 'custom'));
  const registry = new ToolRegistry({
    tools: [...builtins, ...capabilities, ...custom],
    sources: options.sources ?? [],
    ...(options.onSourceError ? { onSourceError: options.onSourceError } : {}),
  });
  const executor = new ToolExecutor({
    invoker: options.invoker,
    capabilities: options.capabilities,
    clock: options.clock,
  });
  return { registry, executor };
}
