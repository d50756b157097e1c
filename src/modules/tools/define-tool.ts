import type { z } from 'zod';
import type { CapabilityLogger, Clock } from '../capabilities/index.ts';

/** What a tool does to the world: `read` only looks; `write` changes Keel's or your data; `external` reaches outside. */
export const TOOL_EFFECTS = ['read', 'write', 'external'] as const;
export type ToolEffect = (typeof TOOL_EFFECTS)[number];

/** Where a tool comes from. */
export type ToolSource = 'builtin' | 'capability' | 'custom' | 'mcp';

/** Everything a tool's `run` may touch, injected per call (like a capability's context). */
export interface ToolContext {
  readonly tenantId: string;
  readonly requestId: string;
  /** Aborted on the tool's timeout, the agent's deadline, or when the caller goes away. */
  readonly signal: AbortSignal;
  readonly clock: Clock;
  readonly logger: CapabilityLogger;
  /** Runs a capability through Keel's invoker (validation, models, usage, request log). */
  invokeCapability(name: string, input: unknown): Promise<unknown>;
}

export interface ToolDefinition<Input extends z.ZodType, Output extends z.ZodType> {
  /** `^[a-z][a-z0-9_]*$`, at most 64 characters; the route is `POST /v1/tools/<name>`. */
  readonly name: string;
  /** What it does and when to use it: the model reads this. */
  readonly description: string;
  readonly input: Input;
  readonly output: Output;
  readonly effect: ToolEffect;
  /** Aborts a call after this long (default 30 s). */
  readonly timeoutMs?: number;
  run(input: z.output<Input>, context: ToolContext): Promise<z.input<Output>>;
}

export interface Tool<Input extends z.ZodType = z.ZodType, Output extends z.ZodType = z.ZodType>
  extends ToolDefinition<Input, Output> {
  readonly kind: 'tool';
}

// biome-ignore lint/suspicious/noExplicitAny: a heterogeneous list of tools is only usable through its schemas
export type AnyTool = Tool<any, any>;

export const TOOL_NAME_PATTERN = /^[a-z][a-z0-9_]*$/;
/** `tools:list` and `tools:call` are route scopes, so no tool may be named so. */
export const RESERVED_TOOL_NAMES: ReadonlySet<string> = new Set(['list', 'call']);
export const DEFAULT_TOOL_TIMEOUT_MS = 30_000;

/** Declares a tool: typed input and output (Zod), a declared effect, a timeout and injected dependencies. */
export function defineTool<Input extends z.ZodType, Output extends z.ZodType>(
  definition: ToolDefinition<Input, Output>,
): Tool<Input, Output> {
  if (!TOOL_NAME_PATTERN.test(definition.name) || definition.name.length > 64) {
    throw new TypeError(
      `tool name "${definition.name}" must match ${TOOL_NAME_PATTERN} (at most 64 characters)`,
    );
  }
  if (RESERVED_TOOL_NAMES.has(definition.name)) {
    throw new TypeError(
      `tool name "${definition.name}" is reserved (the \`tools:${definition.name}\` scope guards routes)`,
    );
  }
  if (!(TOOL_EFFECTS as readonly string[]).includes(definition.effect)) {
    throw new TypeError(`tool ${definition.name}: effect must be one of ${TOOL_EFFECTS.join(', ')}`);
  }
  if (definition.timeoutMs !== undefined && !(definition.timeoutMs > 0)) {
    throw new TypeError(`tool ${definition.name}: timeoutMs must be positive`);
  }
  return Object.freeze({ kind: 'tool' as const, ...definition });
}
