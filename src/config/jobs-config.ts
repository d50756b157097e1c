import { z } from 'zod';

/** `jobs` in keel.config.ts: the policy of capabilities that declare none, and webhook delivery. */
export const jobsConfigSchema = z
  .object({
    /** Attempts before a job fails for good (only retryable errors are retried). */
    attempts: z.number().int().min(1).max(100).optional(),
    /** Backoff between attempts, jittered: the first wait and the cap. */
    backoff: z
      .object({
        initialMs: z.number().int().min(0).max(3_600_000),
        maxMs: z.number().int().min(0).max(86_400_000),
      })
      .strict()
      .optional(),
    /** Each attempt is aborted after this long. */
    timeoutMs: z.number().int().min(100).max(86_400_000).optional(),
    webhooks: z
      .object({
        attempts: z.number().int().min(1).max(50).optional(),
        initialBackoffMs: z.number().int().min(0).max(3_600_000).optional(),
        maxBackoffMs: z.number().int().min(0).max(86_400_000).optional(),
        timeoutMs: z.number().int().min(100).max(300_000).optional(),
      })
      .strict()
      .default({}),
  })
  .strict();

/** The resolved jobs settings every composition root receives (docs/jobs.md). */
export interface JobsConfig {
  /** Whether `keel serve` runs job workers too: `auto` = yes when embedded, no with DATABASE_URL. */
  readonly apiWorkers: 'auto' | 'on' | 'off';
  readonly concurrency: number;
  readonly leaseMs: number;
  readonly defaults: {
    readonly attempts: number;
    readonly backoff: { readonly initialMs: number; readonly maxMs: number };
    readonly timeoutMs: number;
  };
  readonly webhooks: {
    readonly attempts: number;
    readonly initialBackoffMs: number;
    readonly maxBackoffMs: number;
    readonly timeoutMs: number;
  };
}

export interface JobsEnvironment {
  readonly KEEL_API_WORKERS: 'auto' | 'on' | 'off';
  readonly KEEL_WORKER_CONCURRENCY: number;
  readonly KEEL_JOB_LEASE_MS: number;
}

export function resolveJobsConfig(
  environment: JobsEnvironment,
  file: z.output<typeof jobsConfigSchema>,
): JobsConfig {
  return {
    apiWorkers: environment.KEEL_API_WORKERS,
    concurrency: environment.KEEL_WORKER_CONCURRENCY,
    leaseMs: environment.KEEL_JOB_LEASE_MS,
    defaults: {
      attempts: file.attempts ?? 3,
      backoff: file.backoff ?? { initialMs: 1_000, maxMs: 60_000 },
      timeoutMs: file.timeoutMs ?? 600_000,
    },
    webhooks: {
      attempts: file.webhooks.attempts ?? 8,
      initialBackoffMs: file.webhooks.initialBackoffMs ?? 2_000,
      maxBackoffMs: file.webhooks.maxBackoffMs ?? 600_000,
      timeoutMs: file.webhooks.timeoutMs ?? 10_000,
    },
  };
}
