import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { createRequestContext, runWithRequestContext } from '../../platform/http/index.ts';
import {
  type AnyCapability,
  CapabilityInvoker,
  type Clock,
  defineCapability,
} from '../capabilities/index.ts';
import { rougeL } from '../evals/index.ts';
import type { ModelCatalog } from '../gateway/index.ts';
import type { JobRecordStore } from '../jobs/index.ts';
import type { VariantObservation } from './variant.types.ts';
import { SCHEMA_FAILURE_CODES, type ShadowRequest, toCapabilityVariant } from './variant-routing.ts';
import type { VariantStore } from './variant-store.port.ts';

/** The workflow shadow runs are jobs of: never served over HTTP, listed in the tenant's jobs as what they are. */
export const VARIANT_SHADOW_CAPABILITY = 'variant-shadow';

const shadowInputSchema = z.object({
  capability: z.string(),
  version: z.number().int().min(1),
  stable_version: z.number().int().nullable(),
  request_id: z.string(),
  input: z.unknown(),
  stable_output: z.unknown(),
});

const shadowOutputSchema = z.object({
  variant: z.string(),
  outcome: z.enum(['succeeded', 'failed', 'aborted']),
  error_code: z.string().nullable(),
  agreement: z.number().nullable(),
  latency_ms: z.number(),
});

export interface ShadowSchedulerOptions {
  readonly jobs: Pick<JobRecordStore, 'create'>;
  readonly clock: Clock;
  /** Each shadow run's deadline. */
  readonly timeoutMs: number;
  readonly logger: { warn(object: object, message?: string): void };
}

/**
 * Turns sampled shadow requests into `variant-shadow` jobs, within each shadow's own rate (runs per minute,
 * counted in this process); over it, a sample is dropped. Called after the caller's response, never awaited
 * by it: a failure to enqueue is logged, nothing else.
 */
export class ShadowScheduler {
  readonly #options: ShadowSchedulerOptions;
  readonly #minute = new Map<string, { minute: number; count: number }>();

  constructor(options: ShadowSchedulerOptions) {
    this.#options = options;
  }

  readonly schedule = (request: ShadowRequest): void => {
    const now = this.#options.clock.now();
    const minute = Math.floor(now.getTime() / 60_000);
    const key = request.variant.id;
    const used = this.#minute.get(key);
    const count = used?.minute === minute ? used.count : 0;
    if (count >= request.settings.maxPerMinute) return;
    this.#minute.set(key, { minute, count: count + 1 });
    void this.#options.jobs
      .create(
        {
          id: randomUUID(),
          tenantId: request.tenantId,
          apiKeyId: null,
          requestId: `shadow-${request.requestId}-${request.variant.version}`,
          capability: VARIANT_SHADOW_CAPABILITY,
          capabilityVersion: '1.0.0',
          input: {
            capability: request.capability,
            version: request.variant.version,
            stable_version: request.stableVersion,
            request_id: request.requestId,
            input: request.input,
            stable_output: request.stableOutput,
          },
          // A sample, not a promise: one attempt.
          maxAttempts: 1,
          timeoutMs: this.#options.timeoutMs,
          backoff: { initialMs: 1_000, maxMs: 1_000 },
          idempotencyKey: null,
          requestHash: null,
          webhook: null,
        },
        now,
      )
      .catch((error: unknown) =>
        this.#options.logger.warn({ err: error, variant: key }, 'variants: a shadow run could not be queued'),
      );
  };
}

export interface ShadowWorkflowOptions {
  readonly store: VariantStore;
  /** The capabilities a shadow may run (looked up at run time). */
  readonly capabilities: () => readonly AnyCapability[];
  readonly models: ModelCatalog;
  readonly clock: Clock;
  readonly observe: (observation: VariantObservation) => void;
}

/**
 * `variant-shadow`: runs one capability call again with a shadow variant, in a request context of its own
 * (subject `shadow:<capability>`: the caller's limits and budgets never see it), compares the output with
 * what stable answered, and records the observation. It never fails: a failing shadow is an observation.
 */
export function createShadowWorkflow(options: ShadowWorkflowOptions) {
  const invoker = new CapabilityInvoker({ models: options.models, clock: options.clock, record: () => {} });
  return defineCapability({
    name: VARIANT_SHADOW_CAPABILITY,
    version: '1.0.0',
    summary: 'Run a shadow variant on a sampled live call (internal)',
    description:
      'Queued by Keel after a live call was answered, when the capability has a shadow variant (docs/variants.md). Not called directly.',
    input: shadowInputSchema,
    output: shadowOutputSchema,
    sync: false,
    async run(request, context) {
      const started = performance.now();
      const variant = await options.store.getVariant(request.capability, request.version);
      const capability = options.capabilities().find((candidate) => candidate.name === request.capability);
      const name = `${request.capability}@${request.version}`;
      let outcome: VariantObservation['outcome'] = 'succeeded';
      let errorCode: string | null = null;
      let output: unknown = null;
      let costUsd = 0;
      if (variant === undefined || capability === undefined) {
        outcome = 'failed';
        errorCode = 'VARIANT_NOT_FOUND';
      } else {
        const requestId = `${context.requestId}.shadow`;
        const shadowContext = createRequestContext({
          requestId,
          tenantId: context.tenantId,
          subject: `shadow:${request.capability}`,
          authenticated: true,
        });
        try {
          output = await runWithRequestContext(shadowContext, () =>
            invoker.invoke(capability, request.input, {
              requestId,
              tenantId: context.tenantId,
              signal: context.signal,
              logger: context.logger,
              variant: toCapabilityVariant(variant),
              onUsage: (usage) => {
                costUsd = usage.costUsd ?? 0;
              },
            }),
          );
        } catch (error) {
          const code = (error as { code?: unknown }).code;
          errorCode = typeof code === 'string' ? code : 'INTERNAL_ERROR';
          outcome = errorCode === 'CAPABILITY_ABORTED' ? 'aborted' : 'failed';
        }
      }
      const latencyMs = Math.round(performance.now() - started);
      const agreement = outcome === 'succeeded' ? agreementOf(output, request.stable_output) : null;
      options.observe({
        requestId: request.request_id,
        tenantId: context.tenantId,
        capability: request.capability,
        version: request.version,
        role: 'shadow',
        outcome,
        errorCode,
        schemaValid: errorCode === null || !SCHEMA_FAILURE_CODES.has(errorCode),
        latencyMs,
        costUsd,
        score: null,
        agreement,
        createdAt: options.clock.now(),
      });
      return { variant: name, outcome, error_code: errorCode, agreement, latency_ms: latencyMs };
    },
  });
}

/** Provenance fields that differ between variants by design, left out of the comparison. */
const PROVENANCE = new Set(['engine', 'model', 'usage']);

/**
 * How far a shadow's output agrees with stable's: 1 when equal (provenance aside), else the ROUGE-L F
 * of their text (the eval module's measure), so a reworded answer scores between 0 and 1.
 */
export function agreementOf(shadow: unknown, stable: unknown): number {
  const a = withoutProvenance(shadow);
  const b = withoutProvenance(stable);
  if (isDeepStrictEqual(a, b)) return 1;
  return rougeL(textOf(a), textOf(b)).f;
}

function withoutProvenance(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([key]) => !PROVENANCE.has(key)));
}

function textOf(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
}
