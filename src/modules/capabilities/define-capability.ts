import type { z } from 'zod';
import type { InvocationModels, ModelUsage } from '../gateway/index.ts';
import type { Guardrail } from '../guardrails/index.ts';
import type { CapabilityEvent, CapabilityJob, CapabilityJobPolicy, StepHandle } from './capability-events.ts';
import type { CapabilityVariant } from './capability-variant.ts';

/** The minimal logger a capability may use; pino's child loggers satisfy it. */
export interface CapabilityLogger {
  info(object: object, message?: string): void;
  warn(object: object, message?: string): void;
  error(object: object, message?: string): void;
  debug(object: object, message?: string): void;
}

export interface Clock {
  now(): Date;
}

/** Everything a capability may touch, injected per invocation so it is testable with fakes. */
export interface CapabilityContext {
  readonly requestId: string;
  readonly tenantId: string;
  /** Aborted when the client goes away or the deadline passes; pass it to every model call. */
  readonly signal: AbortSignal;
  readonly logger: CapabilityLogger;
  readonly clock: Clock;
  /**
   * Models through Keel's gateway: `language()` is this capability's routed model (`models.routes` in
   * keel.config.ts, else `default`), `language('fast')` an alias or `provider:model`; `embedding()` the
   * `embed` alias; `object({ schema, prompt })` structured output with bounded repair. Each throws
   * MODEL_NOT_CONFIGURED (503) when nothing can serve it. Retries, fallbacks and usage are the gateway's.
   */
  readonly models: InvocationModels;
  /**
   * The model the caller chose for this invocation, if any: `local` (the embedded engine), an alias or
   * `provider:model`. `models.language()` already resolves to it; built-in capabilities read it to decide
   * between the local engine and a model (see `chooseEngine`).
   */
  readonly modelChoice: string | undefined;
  /**
   * The variant serving this invocation (`summarize@3`, see docs/variants.md): its `model` is already in
   * `modelChoice`; code adds its `instructions` (as the system prompt) and reads its `settings`. Undefined
   * when the capability has no variant in traffic.
   */
  readonly variant?: CapabilityVariant;
  /**
   * True when the caller reads `emit`ted events live (`Accept: text/event-stream`): stream from the model
   * and emit deltas. Otherwise one plain call is cheaper (events would be dropped, or stored per event).
   */
  readonly streaming?: boolean;
  /** Model usage of this invocation so far (tokens, calls, cost), for outputs that report it. */
  usage(): ModelUsage;
  /**
   * Reports a streaming part (`text-delta`, `object-delta`): a job persists and streams it; a plain call drops
   * it. In a streamed call the promise resolves once the client has room for more: a capability relaying a
   * model stream awaits it, so a slow reader slows the model read instead of growing a buffer.
   */
  emit(event: CapabilityEvent): void | Promise<void>;
  /** Reports how far along the work is (`fraction` in 0..1): `job-progress` events when running as a job. */
  progress(fraction: number, message?: string): void;
  /**
   * Runs one named step of a multi-step capability. In a job the step is journaled: once it succeeded, a
   * redelivered job gets its stored result back (JSON) instead of running it again, and `step-*` events
   * are published. `key` is the idempotency key for effects outside Keel. In a job the attempt's lease
   * is confirmed (a fenced write) before `run` starts: an attempt that lost its job to another worker
   * (paused, partitioned) fails there instead of applying the effect.
   */
  step<T>(name: string, run: (step: StepHandle) => Promise<T>): Promise<T>;
  /** The job this invocation runs for, with its stable idempotency key; undefined in a plain call. */
  readonly job?: CapabilityJob;
}

export interface CapabilityExample<Input extends z.ZodType, Output extends z.ZodType> {
  readonly summary: string;
  readonly input: z.input<Input>;
  readonly output?: z.output<Output>;
}

export interface CapabilityDefinition<Input extends z.ZodType, Output extends z.ZodType> {
  /** Lower-case kebab name; the route is `POST /v1/<name>`. */
  readonly name: string;
  /** Semantic version of the contract, reported in the docs. */
  readonly version: string;
  /** One line for the reference's summary. */
  readonly summary: string;
  /** What it does, when to use it, and which engines can serve it (Markdown). */
  readonly description: string;
  readonly input: Input;
  readonly output: Output;
  readonly examples?: readonly CapabilityExample<Input, Output>[];
  /** How it runs as a job (`POST /v1/<name>/jobs`): attempts, backoff, timeout. */
  readonly job?: CapabilityJobPolicy;
  /** `false` serves it only as a job (long workflows); by default it is also `POST /v1/<name>`. */
  readonly sync?: boolean;
  /**
   * Guardrail policies of every call: names of built-in or configured policies (`pii-redact`), or
   * policies (`defineGuardrail`). keel.config.ts `guardrails.capabilities` and a key's policies add to them.
   */
  readonly guardrails?: readonly (string | Guardrail)[];
  run(input: z.output<Input>, context: CapabilityContext): Promise<z.input<Output>>;
}

export interface Capability<Input extends z.ZodType = z.ZodType, Output extends z.ZodType = z.ZodType>
  extends CapabilityDefinition<Input, Output> {
  readonly kind: 'capability';
}

// biome-ignore lint/suspicious/noExplicitAny: a heterogeneous list of capabilities is only usable through its schemas
export type AnyCapability = Capability<any, any>;

const NAME_PATTERN = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const VERSION_PATTERN = /^\d+\.\d+\.\d+$/;

/** Declares a capability; registering it exposes `POST /v1/<name>` with validation and docs. */
export function defineCapability<Input extends z.ZodType, Output extends z.ZodType>(
  definition: CapabilityDefinition<Input, Output>,
): Capability<Input, Output> {
  if (!NAME_PATTERN.test(definition.name) || definition.name.length > 64) {
    throw new TypeError(
      `capability name "${definition.name}" must be lower-case kebab-case, at most 64 characters`,
    );
  }
  if (!VERSION_PATTERN.test(definition.version)) {
    throw new TypeError(
      `capability ${definition.name}: version "${definition.version}" must be MAJOR.MINOR.PATCH`,
    );
  }
  return Object.freeze({ kind: 'capability' as const, ...definition });
}
