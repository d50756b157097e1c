import { performance } from 'node:perf_hooks';
import { AISDKError } from 'ai';
import { AppError, asAppError } from '../../platform/errors/index.ts';
import { currentRequestContext } from '../../platform/http/index.ts';
import { type ModelCatalog, type ModelUsage, toGatewayError, UsageRecorder } from '../gateway/index.ts';
import {
  type GuardrailDecision,
  type GuardrailSession,
  type Guardrails,
  guardrailEmbeddingMiddleware,
  guardrailMiddleware,
  StreamGuard,
} from '../guardrails/index.ts';
import type { RequestRecord } from '../request-log/index.ts';
import { capabilityErrors } from './capabilities.errors.ts';
import {
  type CapabilityEvent,
  type CapabilityJob,
  directReporter,
  type InvocationReporter,
} from './capability-events.ts';
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
  /** Receives each guardrail decision as it is made (a stream's `guardrail` events). */
  readonly onGuardrail?: (decision: GuardrailDecision) => void;
}

export interface CapabilityInvokerDependencies {
  readonly models: ModelCatalog;
  readonly clock: Clock;
  /** Receives one record per invocation, success or failure (the request log writer). */
  readonly record: (record: RequestRecord) => void;
  /** Routes live calls to variants (stable, canary, shadows) and observes them; none: capabilities as coded. */
  readonly variants?: VariantRouter | undefined;
  /** Which guardrail policies apply to a call (none when absent). */
  readonly guardrails?: Guardrails | undefined;
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
    let guardrails: GuardrailSession | undefined;
    const direct = scope.reporter ?? directReporter(scope.requestId);
    let reporter = direct;
    try {
      guardrails = await this.#dependencies.guardrails?.session({
        capability: capability.name,
        declared: capability.guardrails,
        keyId: currentRequestContext()?.keyId,
        signal: scope.signal,
        onDecision: scope.onGuardrail,
      });
      let streamGuard: StreamGuard | undefined;
      if (guardrails !== undefined) {
        // Input policies see the input as sent; redactions apply to what leaves for a model and the log.
        await guardrails.checkValue(input, 'input');
        // Whole-text policies run once, over the final output below, before the held text goes out.
        streamGuard = new StreamGuard(
          guardrails,
          guardrails.at('output').filter((policy) => policy.window !== 'whole'),
        );
        reporter = guardedReporter(direct, guardrails, streamGuard);
      }
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
          ...(guardrails
            ? {
                middleware: [guardrailMiddleware(guardrails, { entry: 'invocation' })],
                embeddingMiddleware: [guardrailEmbeddingMiddleware(guardrails, { entry: 'invocation' })],
              }
            : {}),
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
      if (guardrails !== undefined) {
        // The output policies over the whole output, then the text the stream's window still holds.
        output = await guardrails.checkValue(output, 'output');
        const rest = await streamGuard?.finish();
        if (rest) await direct.emit({ type: 'text-delta', delta: rest });
      }
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
      const logged = guardrails === undefined ? { input, output } : await loggable(guardrails, input, output);
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
        input: logged.input,
        output: logged.output,
        ...(guardrails === undefined ? {} : { guardrails: guardrails.decisions() }),
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

/**
 * The reporter of a guarded call: text deltas pass the output policies on a sliding window (held back
 * until clean, cut with GUARDRAIL_BLOCKED before a blocked span is sent), structured partials are checked
 * whole before they go out.
 */
function guardedReporter(
  reporter: InvocationReporter,
  session: GuardrailSession,
  guard: StreamGuard,
): InvocationReporter {
  if (!guard.active) return reporter;
  const output = session
    .at('output')
    .filter((policy) => policy.window !== 'whole' && policy.action !== 'flag');
  return {
    ...reporter,
    emit: async (event: CapabilityEvent) => {
      if (event.type === 'text-delta') {
        const released = await guard.push(event.delta);
        if (released !== '') await reporter.emit({ type: 'text-delta', delta: released });
        return;
      }
      const partial = await session.checkValue(event.partial, 'output', { policies: output, record: false });
      await reporter.emit({ type: 'object-delta', partial });
    },
  };
}

/** What the request log keeps of a guarded call: only redacted text. */
async function loggable(
  session: GuardrailSession,
  input: unknown,
  output: unknown,
): Promise<{ input: unknown; output: unknown }> {
  try {
    return { input: await session.forLog(input), output: await session.forLog(output) };
  } catch {
    // A check that fails here must not put the originals in the log instead.
    return { input: null, output: null };
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
