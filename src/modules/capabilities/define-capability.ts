import type { LanguageModelV4 } from '@ai-sdk/provider';
import type { z } from 'zod';

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
  readonly models: {
    /** The configured generative model; throws MODEL_NOT_CONFIGURED (503) when there is none. */
    language(): LanguageModelV4;
  };
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
