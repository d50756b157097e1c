import { z } from 'zod';
import type { FieldError } from '../../platform/errors/index.ts';
import type { AnyCapability, CapabilityInvoker } from '../capabilities/index.ts';
import {
  type AnyTool,
  DEFAULT_TOOL_TIMEOUT_MS,
  type ToolContext,
  type ToolEffect,
  type ToolSource,
} from './define-tool.ts';

export type JsonSchema = Readonly<Record<string, unknown>>;

export interface ValidationIssue {
  /** JSON pointer into the arguments (`/query`), `` for the whole value. */
  readonly pointer: string;
  readonly message: string;
  readonly code: string;
}

export type Validation =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly issues: readonly ValidationIssue[] };

/**
 * A tool as the registry, the agent loop and MCP see it, whatever it came from (a `defineTool`, a
 * capability, an MCP server): a name, JSON Schemas, a declared effect, validation and execution.
 */
export interface ToolHandle {
  readonly name: string;
  readonly description: string;
  readonly effect: ToolEffect;
  readonly source: ToolSource;
  readonly inputSchema: JsonSchema;
  readonly outputSchema: JsonSchema | null;
  readonly timeoutMs: number;
  /** The scope a key needs to call it directly or to allow it to an agent (see `toolScope`). */
  readonly scope: string;
  validateInput(input: unknown): Validation;
  /** Runs with arguments that passed `validateInput`; returns the (validated) output. */
  execute(input: unknown, context: ToolContext): Promise<unknown>;
}

/**
 * The scope a key needs to call a tool or to allow it to an agent: `tools:<name>` with `_` written `-`
 * (scopes are kebab-case), or `tools:*`, or `admin`.
 */
export function toolScope(name: string): string {
  return `tools:${name.replaceAll('_', '-')}`;
}

export function issuesOf(error: z.ZodError): ValidationIssue[] {
  return error.issues.map((issue) => ({
    pointer: issue.path
      .map((part) => `/${String(part).replaceAll('~', '~0').replaceAll('/', '~1')}`)
      .join(''),
    message: issue.message,
    code: issue.code,
  }));
}

export function fieldErrors(issues: readonly ValidationIssue[], prefix: string): FieldError[] {
  return issues.map((issue) => ({
    pointer: `${prefix}${issue.pointer}`,
    message: issue.message,
    code: issue.code,
  }));
}

/**
 * A schema as standalone JSON Schema: a top-level `$ref` (schemas with a `meta({ id })`) is resolved in
 * place, keeping `$defs` for nested references.
 */
function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _ignored, ...json } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  const reference = typeof json.$ref === 'string' ? /^#\/\$defs\/(.+)$/.exec(json.$ref) : null;
  const definitions = (json.$defs ?? {}) as Record<string, Record<string, unknown>>;
  const target = reference ? definitions[reference[1] as string] : undefined;
  if (!target) return json;
  const { $ref: _reference, ...rest } = json;
  return { ...rest, ...target };
}

/** The input schema if it describes an object (MCP and model tool calling need one), else undefined. */
export function objectInputSchema(schema: z.ZodType): JsonSchema | undefined {
  const json = jsonSchemaOf(schema, 'input');
  return json.type === 'object' ? json : undefined;
}

function objectSchema(schema: z.ZodType, owner: string): JsonSchema {
  const json = objectInputSchema(schema);
  if (!json) throw new TypeError(`${owner}: a tool's input must be a z.object(...)`);
  return json;
}

function outputJsonSchema(schema: z.ZodType): JsonSchema {
  return jsonSchemaOf(schema, 'output');
}

function zodValidation(schema: z.ZodType, input: unknown): Validation {
  const parsed = schema.safeParse(input);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, issues: issuesOf(parsed.error) };
}

/** The runtime form of a `defineTool` declaration. */
export function handleFromTool(tool: AnyTool, source: ToolSource = 'custom'): ToolHandle {
  return {
    name: tool.name,
    description: tool.description,
    effect: tool.effect,
    source,
    inputSchema: objectSchema(tool.input, `tool ${tool.name}`),
    outputSchema: outputJsonSchema(tool.output),
    timeoutMs: tool.timeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS,
    scope: toolScope(tool.name),
    validateInput: (input) => zodValidation(tool.input, input),
    async execute(input, context) {
      const output = await tool.run(input, context);
      return tool.output.parse(output);
    },
  };
}

/** A capability as a tool: it runs through the invoker, so models, limits, usage and the request log apply. */
export function handleFromCapability(
  capability: AnyCapability,
  invoker: CapabilityInvoker,
  timeoutMs = 120_000,
): ToolHandle {
  return {
    name: capability.name.replaceAll('-', '_'),
    description: `${capability.summary}. ${capability.description}`.slice(0, 2_000),
    effect: 'read',
    source: 'capability',
    inputSchema: objectSchema(capability.input, `capability ${capability.name}`),
    outputSchema: outputJsonSchema(capability.output),
    timeoutMs: capability.job?.timeoutMs ?? timeoutMs,
    // The capability's own scope: a key that may call the capability may call it as a tool, no other.
    scope: `capability:${capability.name}`,
    validateInput: (input) => zodValidation(capability.input, input),
    execute: (input, context) =>
      invoker.invoke(capability, input, {
        requestId: context.requestId,
        tenantId: context.tenantId,
        signal: context.signal,
        logger: context.logger,
      }),
  };
}
