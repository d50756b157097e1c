import { AppError, asAppError } from '../../platform/errors/index.ts';
import type { AnyCapability, CapabilityInvoker, CapabilityLogger, Clock } from '../capabilities/index.ts';
import type { ToolContext } from './define-tool.ts';
import { fieldErrors, issuesOf, type ToolHandle, type ValidationIssue } from './tool-handle.ts';
import { toolErrors } from './tools.errors.ts';

export interface ToolCallScope {
  readonly tenantId: string;
  readonly requestId: string;
  readonly signal: AbortSignal;
  readonly logger: CapabilityLogger;
}

export interface ToolExecutorOptions {
  readonly invoker: CapabilityInvoker;
  readonly capabilities: readonly AnyCapability[];
  readonly clock: Clock;
}

/** Validates and runs one tool call with its timeout, mapping every failure to a TOOL_* problem. */
export class ToolExecutor {
  readonly #invoker: CapabilityInvoker;
  readonly #capabilities: ReadonlyMap<string, AnyCapability>;
  readonly #clock: Clock;

  constructor(options: ToolExecutorOptions) {
    this.#invoker = options.invoker;
    this.#capabilities = new Map(options.capabilities.map((capability) => [capability.name, capability]));
    this.#clock = options.clock;
  }

  /** Validates arguments; the issues say what to fix (fed back to a model, or a 400 over HTTP). */
  validate(tool: ToolHandle, input: unknown): { value: unknown } | { issues: readonly ValidationIssue[] } {
    const validation = tool.validateInput(input);
    return validation.ok ? { value: validation.value } : { issues: validation.issues };
  }

  /** Validates (TOOL_INPUT_INVALID, nothing runs) then runs the tool within its timeout. */
  async call(tool: ToolHandle, input: unknown, scope: ToolCallScope, pointer = '/body'): Promise<unknown> {
    const validation = tool.validateInput(input);
    if (!validation.ok) {
      throw new AppError(toolErrors.TOOL_INPUT_INVALID, {
        detail: `The arguments of ${tool.name} are not valid: ${validation.issues.map((issue) => `${issue.pointer || '/'} ${issue.message}`).join('; ')}`,
        errors: fieldErrors(validation.issues, pointer),
      });
    }
    return this.run(tool, validation.value, scope);
  }

  /** Runs a tool whose arguments already passed validation. */
  async run(tool: ToolHandle, input: unknown, scope: ToolCallScope): Promise<unknown> {
    const timeout = AbortSignal.timeout(tool.timeoutMs);
    const signal = AbortSignal.any([scope.signal, timeout]);
    const context: ToolContext = {
      tenantId: scope.tenantId,
      requestId: scope.requestId,
      signal,
      clock: this.#clock,
      logger: scope.logger,
      invokeCapability: (name, capabilityInput) =>
        this.#invokeCapability(name, capabilityInput, scope, signal),
    };
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_resolve, reject) => {
      onAbort = () => reject(signal.reason);
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    aborted.catch(() => {});
    try {
      return await Promise.race([tool.execute(input, context), aborted]);
    } catch (error) {
      if (timeout.aborted) {
        throw new AppError(toolErrors.TOOL_TIMED_OUT, {
          detail: `${tool.name} did not finish within ${tool.timeoutMs} ms.`,
          cause: error,
        });
      }
      if (error instanceof AppError) throw error;
      if (error instanceof Error && error.name === 'ZodError') {
        throw new AppError(toolErrors.TOOL_OUTPUT_INVALID, {
          detail: `${tool.name} returned an output that does not match its schema.`,
          cause: error,
        });
      }
      if (scope.signal.aborted) throw asAppError(error);
      throw new AppError(toolErrors.TOOL_FAILED, {
        detail: `${tool.name} failed: ${error instanceof Error ? error.message : String(error)}`.slice(
          0,
          500,
        ),
        cause: error,
      });
    } finally {
      if (onAbort) signal.removeEventListener('abort', onAbort);
    }
  }

  async #invokeCapability(name: string, input: unknown, scope: ToolCallScope, signal: AbortSignal) {
    const capability = this.#capabilities.get(name);
    if (!capability)
      throw new AppError(toolErrors.TOOL_NOT_FOUND, { detail: `No capability named "${name}".` });
    const parsed = capability.input.safeParse(input);
    if (!parsed.success) {
      throw new AppError(toolErrors.TOOL_INPUT_INVALID, {
        detail: `The input of capability ${name} is not valid.`,
        errors: fieldErrors(issuesOf(parsed.error), ''),
      });
    }
    return this.#invoker.invoke(capability, parsed.data, { ...scope, signal });
  }
}
