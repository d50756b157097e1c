import { AppError } from '../../platform/errors/index.ts';
import type { ToolHandle } from './tool-handle.ts';
import { toolErrors } from './tools.errors.ts';

/** Tools found at run time (an MCP server's): listed on demand, so a server that is down costs nothing until used. */
export interface DynamicToolSource {
  readonly name: string;
  tools(): Promise<readonly ToolHandle[]>;
}

export interface ToolRegistryOptions {
  readonly tools: readonly ToolHandle[];
  readonly sources?: readonly DynamicToolSource[];
  /** Called when a dynamic source cannot list its tools (they are left out of that listing). */
  readonly onSourceError?: (source: string, error: unknown) => void;
}

/** Every tool this deployment serves: built-ins, capabilities, custom tools, and MCP servers' tools. */
export class ToolRegistry {
  readonly #local: ReadonlyMap<string, ToolHandle>;
  readonly #sources: readonly DynamicToolSource[];
  readonly #onSourceError: (source: string, error: unknown) => void;

  constructor(options: ToolRegistryOptions) {
    const local = new Map<string, ToolHandle>();
    for (const tool of options.tools) {
      if (local.has(tool.name)) {
        throw new AppError(toolErrors.TOOL_NAME_CONFLICT, { detail: `Two tools are named "${tool.name}".` });
      }
      local.set(tool.name, tool);
    }
    this.#local = local;
    this.#sources = options.sources ?? [];
    this.#onSourceError = options.onSourceError ?? (() => {});
  }

  /** The tools known without asking any server (built-ins, capabilities, custom), in registration order. */
  local(): readonly ToolHandle[] {
    return [...this.#local.values()];
  }

  /** Every tool, dynamic sources included; a source that fails is skipped and reported. */
  async list(): Promise<ToolHandle[]> {
    const tools = [...this.#local.values()];
    const listed = await Promise.all(
      this.#sources.map(async (source) => {
        try {
          return await source.tools();
        } catch (error) {
          this.#onSourceError(source.name, error);
          return [];
        }
      }),
    );
    for (const tool of listed.flat()) if (!this.#local.has(tool.name)) tools.push(tool);
    return tools;
  }

  async get(name: string): Promise<ToolHandle | undefined> {
    const local = this.#local.get(name);
    if (local) return local;
    if (this.#sources.length === 0) return undefined;
    return (await this.list()).find((tool) => tool.name === name);
  }

  async require(name: string): Promise<ToolHandle> {
    const tool = await this.get(name);
    if (!tool) throw new AppError(toolErrors.TOOL_NOT_FOUND, { detail: `No tool named "${name}".` });
    return tool;
  }
}
