import type { z } from 'zod';
import { type Capability, type CapabilityDefinition, defineCapability } from '../capabilities/index.ts';

/**
 * A multi-step capability served as a job only (`POST /v1/<name>/jobs`, `POST /v1/jobs`): too long for one
 * HTTP exchange. Its `run` is written as named steps with `context.step(name, fn)`: each step's result is
 * journaled, so a job redelivered after a crash skips the steps that already succeeded, and each step
 * publishes `step-started`/`step-succeeded` events. Effects outside Keel use the step's `key`
 * (`<job id>:<step>`) as their idempotency key. `context.progress()` reports how far along it is.
 */
export function defineWorkflow<Input extends z.ZodType, Output extends z.ZodType>(
  definition: Omit<CapabilityDefinition<Input, Output>, 'sync'>,
): Capability<Input, Output> {
  return defineCapability({ ...definition, sync: false });
}
