import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { AppError } from '../../platform/errors/index.ts';
import type { AnyCapability, Clock } from '../capabilities/index.ts';
import type { RequestLogStore, RequestRecord } from '../request-log/index.ts';
import { feedbackErrors } from './feedback.errors.ts';
import type { Feedback, FeedbackPage, FeedbackQuery, FeedbackStore, Rating } from './feedback.port.ts';

export interface FeedbackServiceOptions {
  readonly store: FeedbackStore;
  readonly requests: RequestLogStore;
  /** Flushes the request log's write-behind buffer (feedback may follow its response by milliseconds). */
  readonly flushRequests: () => Promise<void>;
  readonly capabilities: () => readonly AnyCapability[];
  readonly clock: Clock;
  /**
   * Told of each rating (in 0..1: thumbs up 1, down 0, a scale's (value - 1) / 4) once stored: online evals
   * attribute it to the variant that served the request. Its failure never fails the feedback.
   */
  readonly onRating?: (tenantId: string, requestId: string, rating: number) => Promise<void>;
}

export interface FeedbackRequest {
  readonly requestId: string;
  readonly rating?: Rating | undefined;
  readonly label?: string | undefined;
  readonly comment?: string | undefined;
  readonly correction?: unknown;
}

/** Feedback on logged capability calls, validated against the call's capability; tenant-scoped. */
export class FeedbackService {
  readonly #options: FeedbackServiceOptions;

  constructor(options: FeedbackServiceOptions) {
    this.#options = options;
  }

  async create(tenantId: string, apiKeyId: string | null, request: FeedbackRequest): Promise<Feedback> {
    if (
      request.rating === undefined &&
      request.label === undefined &&
      request.comment === undefined &&
      request.correction === undefined
    ) {
      throw new AppError(feedbackErrors.FEEDBACK_EMPTY, {
        detail: 'Give a rating, label, comment or correction.',
      });
    }
    const record = await this.request(tenantId, request.requestId);
    if (record.capability === null) {
      throw new AppError(feedbackErrors.FEEDBACK_NOT_A_CAPABILITY_CALL, {
        detail: `Request ${request.requestId} (${record.route ?? 'a route'}) did not call a capability.`,
        errors: [
          { pointer: '/body/request_id', message: 'not a capability call', code: 'not_a_capability_call' },
        ],
      });
    }
    let correction: unknown = null;
    if (request.correction !== undefined && request.correction !== null) {
      const capability = this.#options
        .capabilities()
        .find((candidate) => candidate.name === record.capability);
      // A capability since removed from the configuration cannot check the correction: refuse rather than guess.
      if (!capability) {
        throw new AppError(feedbackErrors.FEEDBACK_CORRECTION_INVALID, {
          detail: `The capability ${record.capability} is no longer registered, so the correction cannot be checked.`,
        });
      }
      // A correction may name only what was wrong: it is merged into the recorded output (JSON Merge
      // Patch, RFC 7396), and the merged whole must be a valid output.
      const merged = mergeCorrection(record.output, request.correction);
      const parsed = (capability.output as z.ZodType).safeParse(merged);
      if (!parsed.success) {
        throw new AppError(feedbackErrors.FEEDBACK_CORRECTION_INVALID, {
          detail: `The correction, merged into the recorded output, is not a valid ${capability.name} output.`,
          errors: parsed.error.issues.map((issue) => ({
            pointer: `/body/correction${issue.path.map((part: PropertyKey) => `/${String(part)}`).join('')}`,
            message: issue.message,
            code: issue.code,
          })),
        });
      }
      correction = parsed.data;
    }
    const feedback: Feedback = {
      id: randomUUID(),
      tenantId,
      requestId: record.id,
      capability: record.capability,
      rating: request.rating ?? null,
      label: request.label ?? null,
      comment: request.comment ?? null,
      correction,
      apiKeyId,
      createdAt: this.#options.clock.now(),
    };
    await this.#options.store.create(feedback);
    if (feedback.rating !== null && this.#options.onRating) {
      const value =
        feedback.rating.kind === 'thumbs'
          ? feedback.rating.value === 'up'
            ? 1
            : 0
          : (feedback.rating.value - 1) / 4;
      await this.#options.onRating(tenantId, record.id, value).catch(() => {});
    }
    return feedback;
  }

  async get(tenantId: string, id: string): Promise<Feedback> {
    const feedback = await this.#options.store.get(tenantId, id);
    if (!feedback) throw new AppError(feedbackErrors.FEEDBACK_NOT_FOUND, { detail: `No feedback ${id}.` });
    return feedback;
  }

  getMany(tenantId: string, ids: readonly string[]): Promise<Feedback[]> {
    return this.#options.store.getMany(tenantId, ids);
  }

  list(tenantId: string, query: FeedbackQuery): Promise<FeedbackPage> {
    return this.#options.store.list(tenantId, query);
  }

  /** The logged call feedback refers to. */
  async request(tenantId: string, requestId: string): Promise<RequestRecord> {
    let record = await this.#options.requests.get(tenantId, requestId);
    if (!record) {
      await this.#options.flushRequests();
      record = await this.#options.requests.get(tenantId, requestId);
    }
    if (!record) {
      throw new AppError(feedbackErrors.FEEDBACK_REQUEST_NOT_FOUND, {
        detail: `No logged request ${requestId}.`,
        errors: [{ pointer: '/body/request_id', message: 'no such request', code: 'unknown_request' }],
      });
    }
    return record;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * JSON Merge Patch (RFC 7396) of a correction onto the recorded output: objects merge member by member,
 * a `null` member removes that member, anything else (arrays, scalars) replaces. With no recorded object
 * to merge into (bodies not logged, or a non-object output), the correction stands alone and must be a
 * complete output.
 */
export function mergeCorrection(recorded: unknown, correction: unknown): unknown {
  if (!isPlainObject(correction)) return correction;
  const merged: Record<string, unknown> = isPlainObject(recorded) ? { ...recorded } : {};
  for (const [key, value] of Object.entries(correction)) {
    if (value === null) delete merged[key];
    else merged[key] = mergeCorrection(merged[key], value);
  }
  return merged;
}
