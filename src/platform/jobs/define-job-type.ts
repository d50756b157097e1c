import type { z } from 'zod';

/** A kind of queued work: its name and the Zod schema of its payload, checked on send and on take. */
export interface JobType<Payload> {
  /** `<module>.<noun>-<action>`, e.g. `jobs.capability-run`. Also the queue's name. */
  readonly name: string;
  readonly payload: z.ZodType<Payload>;
}

const NAME_PATTERN = /^[a-z][a-z0-9]*\.[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

/** Declares a job type; payloads of that name are typed and validated at both ends of the queue. */
export function defineJobType<Schema extends z.ZodType>(
  name: string,
  payload: Schema,
): JobType<z.output<Schema>> {
  if (!NAME_PATTERN.test(name)) {
    throw new TypeError(`job type name "${name}" must be <module>.<noun>-<action> in lower-case kebab-case`);
  }
  return Object.freeze({ name, payload: payload as z.ZodType<z.output<Schema>> });
}
