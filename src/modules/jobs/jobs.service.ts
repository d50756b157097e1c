import { createHash, randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { AppError, type FieldError, platformErrors } from '../../platform/errors/index.ts';
import type { AnyCapability, Clock } from '../capabilities/index.ts';
import { GroupCommit } from './group-commit.ts';
import type { JobBackoff, JobEvent, JobRecord, JobWebhook, WebhookAttempt } from './job.types.ts';
import type {
  CancelResult,
  CreateResult,
  JobListQuery,
  JobPage,
  JobRecordStore,
  NewJob,
} from './job-store.port.ts';
import { jobErrors } from './jobs.errors.ts';

/** Policy for capabilities that declare none (`job` in their definition overrides each field). */
export interface JobDefaults {
  readonly attempts: number;
  readonly backoff: JobBackoff;
  readonly timeoutMs: number;
}

export interface CreateJobRequest {
  readonly tenantId: string;
  readonly apiKeyId: string | null;
  readonly requestId: string;
  readonly capability: string;
  readonly input: unknown;
  /** Where `input` sits in the HTTP request, for field errors: `/body` or `/body/input`. */
  readonly inputPointer: string;
  /** The route already validated `input` against the capability's schema (and applied its defaults). */
  readonly inputValidated?: boolean;
  readonly idempotencyKey?: string | undefined;
  /** Undefined: the creating key's default webhook, if it has one. Null: none, whatever the key says. */
  readonly webhook?: JobWebhook | null;
}

export interface CreatedJob {
  readonly job: JobRecord;
  /** True when an earlier request with the same Idempotency-Key created it. */
  readonly replayed: boolean;
}

export interface JobServiceOptions {
  readonly store: JobRecordStore;
  readonly capabilities: readonly AnyCapability[];
  readonly clock: Clock;
  readonly defaults: JobDefaults;
  /** The default webhook of the API key that creates a job without one (per-key webhooks). */
  readonly keyWebhook?: (apiKeyId: string) => Promise<JobWebhook | null>;
}

/** What the API does with jobs: enqueue (validated, idempotent), read, cancel, retry. Tenant-scoped. */
export class JobService {
  readonly #store: JobRecordStore;
  readonly #capabilities: ReadonlyMap<string, AnyCapability>;
  readonly #clock: Clock;
  readonly #defaults: JobDefaults;
  readonly #creates: GroupCommit<NewJob, CreateResult>;
  readonly #keyWebhook: ((apiKeyId: string) => Promise<JobWebhook | null>) | undefined;

  constructor(options: JobServiceOptions) {
    this.#store = options.store;
    // Jobs enqueued together are inserted together: one transaction however many requests arrive at once.
    this.#creates = new GroupCommit((jobs) => options.store.createMany(jobs, options.clock.now()));
    this.#capabilities = new Map(options.capabilities.map((capability) => [capability.name, capability]));
    this.#clock = options.clock;
    this.#defaults = options.defaults;
    this.#keyWebhook = options.keyWebhook;
  }

  capability(name: string): AnyCapability | undefined {
    return this.#capabilities.get(name);
  }

  async create(request: CreateJobRequest): Promise<CreatedJob> {
    const capability = this.#capabilities.get(request.capability);
    if (!capability) {
      throw new AppError(jobErrors.JOB_CAPABILITY_UNKNOWN, {
        detail: `No capability named "${request.capability}".`,
        errors: [{ pointer: '/body/capability', message: 'no such capability', code: 'unknown_capability' }],
      });
    }
    const input = request.inputValidated
      ? request.input
      : validateInput(capability, request.input, request.inputPointer);
    // A job's own webhook wins; otherwise the key's default is copied into the job (later key changes do not
    // move jobs already created).
    const webhook =
      request.webhook !== undefined
        ? request.webhook
        : request.apiKeyId !== null && this.#keyWebhook
          ? await this.#keyWebhook(request.apiKeyId)
          : null;
    const requestHash =
      request.idempotencyKey === undefined ? null : hashRequest(capability.name, input, webhook);
    const policy = capability.job ?? {};
    const { job, created } = await this.#creates.submit({
      id: randomUUID(),
      tenantId: request.tenantId,
      apiKeyId: request.apiKeyId,
      requestId: request.requestId,
      capability: capability.name,
      capabilityVersion: capability.version,
      input,
      maxAttempts: policy.attempts ?? this.#defaults.attempts,
      timeoutMs: policy.timeoutMs ?? this.#defaults.timeoutMs,
      backoff: policy.backoff ?? this.#defaults.backoff,
      idempotencyKey: request.idempotencyKey ?? null,
      requestHash,
      webhook,
    });
    if (!created && job.requestHash !== requestHash) {
      throw new AppError(jobErrors.JOB_IDEMPOTENCY_KEY_REUSED, {
        detail: 'This Idempotency-Key already created a job from a different request.',
        details: { job_id: job.id },
      });
    }
    return { job, replayed: !created };
  }

  async get(tenantId: string, id: string): Promise<JobRecord> {
    return found(await this.#store.get(tenantId, id), id);
  }

  list(tenantId: string, query: JobListQuery): Promise<JobPage> {
    return this.#store.list(tenantId, query);
  }

  async events(tenantId: string, jobId: string, afterId: number, limit: number): Promise<JobEvent[]> {
    return found(await this.#store.events(tenantId, jobId, afterId, limit), jobId);
  }

  async cancel(tenantId: string, id: string): Promise<CancelResult> {
    const result = found(await this.#store.cancel(tenantId, id, this.#clock.now()), id);
    if (
      result.outcome === 'unchanged' &&
      (result.job.status === 'succeeded' || result.job.status === 'failed')
    ) {
      throw new AppError(jobErrors.JOB_ALREADY_FINISHED, {
        detail: `Job ${id} has already ${result.job.status}.`,
        details: { job_status: result.job.status },
      });
    }
    return result;
  }

  async retry(tenantId: string, id: string): Promise<JobRecord> {
    const result = found(await this.#store.retry(tenantId, id, this.#clock.now()), id);
    if (result.outcome === 'unchanged') {
      throw new AppError(jobErrors.JOB_NOT_RETRYABLE, {
        detail: `Job ${id} is ${result.job.status}; only a failed job can be retried.`,
        details: { job_status: result.job.status },
      });
    }
    return result.job;
  }

  async webhookAttempts(tenantId: string, jobId: string): Promise<WebhookAttempt[]> {
    return found(await this.#store.webhookAttempts(tenantId, jobId), jobId);
  }
}

function found<T>(value: T | undefined, id: string): T {
  if (value === undefined) throw new AppError(jobErrors.JOB_NOT_FOUND, { detail: `No job ${id}.` });
  return value;
}

/** Validates at enqueue time, so a bad input is a 400 now rather than a failed job later. */
function validateInput(capability: AnyCapability, input: unknown, pointer: string): unknown {
  const parsed = (capability.input as z.ZodType).safeParse(input);
  if (parsed.success) return parsed.data;
  const errors: FieldError[] = parsed.error.issues.map((issue) => ({
    pointer: `${pointer}${issue.path.map((part) => `/${String(part).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('')}`,
    message: issue.message,
    code: issue.code,
  }));
  throw new AppError(platformErrors.REQUEST_VALIDATION_FAILED, {
    detail: `${errors.length} ${errors.length === 1 ? 'field is' : 'fields are'} not valid: ${errors.map((error) => error.pointer).join(', ')}`,
    errors,
  });
}

/** A digest of what the request asked for; key order does not matter, the webhook secret is not stored. */
function hashRequest(capability: string, input: unknown, webhook: JobWebhook | null): string {
  const webhookPart = webhook
    ? { url: webhook.url, secret: createHash('sha256').update(webhook.secret).digest('hex') }
    : null;
  return createHash('sha256')
    .update(canonicalJson({ capability, input, webhook: webhookPart }))
    .digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, member]) => member !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, member]) => `${JSON.stringify(key)}:${canonicalJson(member)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}
