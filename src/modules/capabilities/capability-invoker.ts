import { performance } from 'node:perf_hooks';
import { AISDKError } from 'ai';
import { AppError, asAppError } from '../../platform/errors/index.ts';
import { currentRequestContext } from '../../platform/http/index.ts';
import { type ModelCatalog, type ModelUsage, toGatewayError, UsageRecorder } from '../gateway/index.ts';
import type { RequestRecord } from '../request-log/index.ts';
import { capabilityErrors } from './capabilities.errors.ts';
import { type CapabilityJob, directReporter, type InvocationReporter } from './capability-events.ts';
import type {
  CapabilityVariant,
  RoutedInvocation,
  VariantChoice,
  VariantRouter,
} from './capability-variant.ts';
import type { AnyCapability, CapabilityLogger, Clock } from './define-capability.ts';

export interface InvocationScope {
  readonly requestId: string;
  readonly tenantId: string;
  readonly signal: AbortSignal;
  readonly logger: CapabilityLogger;
  /** Where `emit`, `progress` and `step` go: a job's event log and step journal. Plain calls omit it. */
  readonly reporter?: InvocationReporter;
  /** The job this invocation is an attempt of (`CapabilityContext.job`). */
  readonly job?: CapabilityJob;
  /** The caller's choice of model (`local`, an alias or `provider:model`): see `CapabilityContext.modelChoice`. */
  readonly model?: string | undefined;
  /** The caller reads `emit`ted events live (an SSE response): capabilities may stream from the model. */
  readonly streaming?: boolean;
  /** Receives the invocation's model usage once it ends, success or failure (a stream's `usage` event). */
  readonly onUsage?: (usage: ModelUsage) => void;
  /** Replaces the invoker's `record` for this invocation (a batch merges its items into one record). */
  readonly record?: (record: RequestRecord) => void;
  /**
   * The variant this invocation runs with, chosen by the caller: a route that already chose (to name it in
   * a header) passes its `VariantChoice`; a shadow run or an eval passes a fixed variant (`null`: the
   * capability as coded), which is neither routed nor observed. Omitted: the invoker routes it.
   */
  readonly variant?: VariantChoice | CapabilityVariant | null;
  /** Who canary stickiness hashes: the caller's subject id, else the request context's key. */
  readonly subject?: string | undefined;
  /** Runs work once the caller has its answer (the route's response finished); default: on the next turn. */
  readonly afterResponse?: (work: () => void) => void;
}

export interface CapabilityInvokerDependencies {
  readonly models: ModelCatalog;
  readonly clock: Clock;
  /** Receives one record per invocation, success or failure (the request log writer). */
  readonly record: (record: RequestRecord) => void;
  /** Routes live calls to variants (stable, canary, shadows) and observes them; none: capabilities as coded. */
  readonly variants?: VariantRouter | undefined;
}

/**
 * Runs one capability invocation with its dependencies injected, validates the output against the
 * contract, maps failures to Keel's taxonomy and records the outcome. Sync routes, jobs and streams all
 * go through here so they behave alike.
 */
export class CapabilityInvoker {
  readonly #dependencies: CapabilityInvokerDependencies;

  constructor(dependencies: CapabilityInvokerDependencies) {
    this.#dependencies = dependencies;
  }

  /** Writes a record the caller assembled itself (a batch's, merged from its items) where invocations go. */
  record(record: RequestRecord): void {
    this.#dependencies.record(record);
  }

  /** The variant a live call of `capability` gets (memory only): routes call it first to name it in a header. */
  chooseVariant(capability: AnyCapability, subject: string | undefined): VariantChoice | undefined {
    const router = this.#dependencies.variants;
    if (router === undefined) return undefined;
    return router.choose(capability.name, subject ?? currentRequestContext()?.subject ?? 'local');
  }

  async invoke(capability: AnyCapability, input: unknown, scope: InvocationScope): Promise<unknown> {
    const { models, clock } = this.#dependencies;
    const record = scope.record ?? this.#dependencies.record;
    const choice =
      scope.variant === undefined
        ? this.chooseVariant(capability, scope.subject)
        : scope.variant !== null && 'role' in scope.variant
          ? scope.variant
          : undefined;
    const variant = choice
      ? (choice.variant ?? undefined)
      : ((scope.variant as CapabilityVariant | null) ?? undefined);
    const modelChoice = scope.model ?? variant?.model ?? undefined;
    const startedAt = clock.now();
    const started = performance.now();
    const recorder = new UsageRecorder();
    let output: unknown = null;
    let failure: AppError | undefined;
    const reporter = scope.reporter ?? directReporter(scope.requestId);
    try {
      const raw = await capability.run(input, {
        requestId: scope.requestId,
        tenantId: scope.tenantId,
        signal: scope.signal,
        logger: scope.logger,
        clock,
        models: models.forInvocation({
          requestId: scope.requestId,
          tenantId: scope.tenantId,
          source: `capability:${capability.name}`,
          capability: capability.name,
          signal: scope.signal,
          recorder,
          model: modelChoice,
          variant: variant?.id,
        }),
        modelChoice,
        ...(variant ? { variant } : {}),
        streaming: scope.streaming === true,
        usage: () => recorder.snapshot(),
        emit: (event) => reporter.emit(event),
        progress: (fraction, message) => reporter.progress(fraction, message),
        step: (name, run) => reporter.step(name, run),
        ...(scope.job ? { job: scope.job } : {}),
      });
      const parsed = capability.output.safeParse(raw);
      if (!parsed.success) {
        throw new AppError(capabilityErrors.CAPABILITY_OUTPUT_INVALID, {
          detail: `The ${capability.name} capability returned an output that does not match its schema.`,
          details: {
            issues: parsed.error.issues.map((issue: { path: PropertyKey[]; message: string }) => ({
              path: issue.path.join('.'),
              message: issue.message,
            })),
          },
        });
      }
      output = parsed.data;
      return output;
    } catch (error) {
      failure = classify(error, scope.signal);
      throw failure;
    } finally {
      const usage = recorder.snapshot();
      const latencyMs = Math.round(performance.now() - started);
      scope.onUsage?.(usage);
      const outcome =
        failure === undefined ? 'succeeded' : failure.code === 'CAPABILITY_ABORTED' ? 'aborted' : 'failed';
      if (choice && this.#dependencies.variants) {
        observeSafely(this.#dependencies.variants, {
          capability: capability.name,
          choice,
          requestId: scope.requestId,
          tenantId: scope.tenantId,
          input,
          output,
          outcome,
          errorCode: failure?.code ?? null,
          latencyMs,
          costUsd: usage.costUsd ?? 0,
          inputTokens: usage.inputTokens,
          outputTokens: usage.outputTokens,
          afterResponse: scope.afterResponse ?? ((work) => setImmediate(work)),
        });
      }
      record({
        id: scope.requestId,
        tenantId: scope.tenantId,
        capability: capability.name,
        outcome,
        httpStatus: failure?.status ?? 200,
        errorCode: failure?.code ?? null,
        models: usage.models,
        inputTokens: usage.inputTokens,
        outputTokens: usage.outputTokens,
        latencyMs,
        input,
        output,
        createdAt: startedAt,
        variant: variant?.id ?? null,
      });
    }
  }
}

/** Online evals watch the call; their failure must never become the call's. */
function observeSafely(router: VariantRouter, invocation: RoutedInvocation): void {
  try {
    router.observe(invocation);
  } catch {
    // Nothing to do: the call's own outcome stands.
  }
}

function classify(error: unknown, signal: AbortSignal): AppError {
  // Aborted with a reason of Keel's own (the server's shutdown deadline): that is what happened.
  if (signal.aborted && signal.reason instanceof AppError) return signal.reason;
  if (error instanceof AppError) return error;
  if (signal.aborted && !(signal.reason instanceof Error && signal.reason.name === 'TimeoutError')) {
    return new AppError(capabilityErrors.CAPABILITY_ABORTED, { cause: error });
  }
  // Errors from the AI SDK are the provider's; anything else is a defect in capability code.
  if (AISDKError.isInstance(error)) return toGatewayError(error, signal);
  return asAppError(error);
}
