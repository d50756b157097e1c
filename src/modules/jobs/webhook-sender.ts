import type { Notifier } from '../../platform/jobs/index.ts';
import type { Logger } from '../../platform/logging/index.ts';
import {
  createOutboundFetch,
  createOutboundPolicy,
  OutboundTargetRefused,
} from '../../platform/net/index.ts';
import type { Clock } from '../capabilities/index.ts';
import { presentJob } from './job.presenter.ts';
import type { WebhookAttempt } from './job.types.ts';
import type { WebhookDelivery, WebhookOutbox } from './job-store.port.ts';
import { JOB_CHANNELS, webhookSendJob } from './queue-deliveries.ts';
import { signWebhook } from './webhook-signature.ts';

export interface WebhookSettings {
  /** Deliveries in flight at once. */
  readonly concurrency: number;
  /** Attempts per delivery before it is given up (each is logged). */
  readonly attempts: number;
  /** Backoff between attempts: the first wait and the cap, jittered. */
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  /** A receiver that has not answered by then counts as failed. */
  readonly timeoutMs: number;
  readonly pollIntervalMs: number;
  /**
   * Non-public targets deliveries may reach anyway (`KEEL_OUTBOUND_ALLOW`: CIDRs, addresses, host names).
   * Everything else that is not a public address is refused before connecting.
   */
  readonly allowedTargets?: readonly string[];
}

/**
 * Why an attempt failed, as the delivery log shows it: a stable reason, never the receiver's body or a
 * network error's text (which would tell a tenant what answers at an internal address and port).
 */
export const WEBHOOK_FAILURES = {
  /** The URL's address is not public and not allowed; nothing was sent, and it is not retried. */
  targetRefused: 'WEBHOOK_TARGET_REFUSED',
  /** The name did not resolve, or the connection or TLS handshake failed or was reset. */
  unreachable: 'WEBHOOK_UNREACHABLE',
  timeout: 'WEBHOOK_TIMEOUT',
  /** The receiver answered outside 2xx (the status is in `responseStatus`). */
  status: 'WEBHOOK_HTTP_STATUS',
  shuttingDown: 'WEBHOOK_SENDER_STOPPING',
} as const;

export interface WebhookSenderOptions {
  readonly store: WebhookOutbox;
  readonly notifier: Notifier;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly settings: WebhookSettings;
  readonly userAgent: string;
  /** Replaces the guarded outbound fetch (tests); it must enforce the same policy. */
  readonly fetch?: typeof fetch;
}

/**
 * Delivers terminal job events to job webhooks: signed POSTs, retried with backoff, every attempt logged.
 * A delivery is taken with a safety copy due after the attempt's deadline, so a sender that dies
 * mid-attempt loses nothing (receivers deduplicate on `webhook-id`: delivery is at least once).
 */
export class WebhookSender {
  readonly #options: WebhookSenderOptions;
  readonly #fetch: typeof fetch;
  readonly #inFlight = new Set<Promise<void>>();
  #stopping = false;
  readonly #shutdown = new AbortController();
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #wakePending = false;
  #unsubscribe: (() => void) | undefined;

  constructor(options: WebhookSenderOptions) {
    this.#options = options;
    this.#fetch =
      options.fetch ??
      createOutboundFetch({ policy: createOutboundPolicy(options.settings.allowedTargets ?? []) });
  }

  start(): void {
    if (this.#loop !== undefined) return;
    this.#unsubscribe = this.#options.notifier.subscribe(JOB_CHANNELS.available, (queue) => {
      if (queue === undefined || queue === webhookSendJob.name) this.#signal();
    });
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    this.#unsubscribe?.();
    this.#signal();
    await this.#loop;
    // Attempts in flight are cut short and retried at once elsewhere; their safety copies cover a hard stop.
    this.#shutdown.abort();
    await Promise.all(this.#inFlight);
  }

  async #run(): Promise<void> {
    const { store, clock, settings, logger } = this.#options;
    while (!this.#stopping) {
      const free = settings.concurrency - this.#inFlight.size;
      let taken = 0;
      if (free > 0) {
        try {
          const deliveries = await store.takeWebhookDeliveries(
            free,
            settings.timeoutMs + 30_000,
            clock.now(),
          );
          taken = deliveries.length;
          for (const delivery of deliveries) {
            const attempt = this.#deliver(delivery).catch((error: unknown) => {
              logger.error(
                { err: error, jobId: delivery.payload.jobId },
                'webhook attempt could not be recorded',
              );
            });
            this.#inFlight.add(attempt);
            void attempt.finally(() => {
              this.#inFlight.delete(attempt);
              this.#signal();
            });
          }
        } catch (error) {
          logger.error({ err: error }, 'taking webhook deliveries failed');
        }
      }
      if (taken < free || free <= 0) await this.#waitForWork(settings.pollIntervalMs);
    }
  }

  async #deliver(delivery: WebhookDelivery): Promise<void> {
    const { store, clock, settings, logger, userAgent } = this.#options;
    const { payload } = delivery;
    const job = await store.findJob(payload.jobId);
    const started = performance.now();
    const createdAt = clock.now();
    if (!job?.webhook) {
      logger.warn({ jobId: payload.jobId }, 'webhook delivery for a job without a webhook dropped');
      await store.discardWebhookDelivery(delivery);
      return;
    }
    const body = JSON.stringify({
      type: payload.eventType,
      event_id: payload.eventId,
      job_id: job.id,
      job: presentJob(job),
      created_at: createdAt.toISOString(),
    });
    const headers = signWebhook(
      job.webhook.secret,
      payload.deliveryId,
      Math.floor(createdAt.getTime() / 1000),
      body,
    );
    let responseStatus: number | null = null;
    let error: string | null = null;
    let permanent = false;
    let cause: string | undefined;
    try {
      const response = await this.#fetch(job.webhook.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': userAgent, ...headers },
        body,
        redirect: 'manual',
        signal: AbortSignal.any([AbortSignal.timeout(settings.timeoutMs), this.#shutdown.signal]),
      });
      responseStatus = response.status;
      await response.body?.cancel().catch(() => {});
      if (response.status < 200 || response.status >= 300) {
        error = `${WEBHOOK_FAILURES.status}: HTTP ${response.status}`;
      }
    } catch (caught) {
      if (caught instanceof OutboundTargetRefused) {
        error = `${WEBHOOK_FAILURES.targetRefused}: the target address is ${caught.reason}; deliveries go to public addresses unless KEEL_OUTBOUND_ALLOW lists it`;
        permanent = caught.reason !== 'unresolvable';
        if (!permanent) error = `${WEBHOOK_FAILURES.unreachable}: the host name did not resolve`;
      } else if (isTimeout(caught)) {
        error = `${WEBHOOK_FAILURES.timeout}: no answer within ${settings.timeoutMs} ms`;
      } else {
        error = `${WEBHOOK_FAILURES.unreachable}: the receiver could not be reached`;
      }
      // The network error's text is for the operator's log only.
      cause = caught instanceof Error ? `${caught.name}: ${caught.message}` : String(caught);
    }
    const delivered = error === null;
    const interrupted = !delivered && this.#shutdown.signal.aborted;
    if (interrupted) error = `${WEBHOOK_FAILURES.shuttingDown}: the sender was shutting down`;
    const retry =
      !delivered && ((payload.attempt < settings.attempts && !permanent) || interrupted)
        ? {
            payload: { ...payload, attempt: payload.attempt + 1 },
            startAfter: interrupted
              ? createdAt
              : new Date(createdAt.getTime() + this.#backoff(payload.attempt)),
          }
        : undefined;
    const attempt: WebhookAttempt = {
      deliveryId: payload.deliveryId,
      attempt: payload.attempt,
      jobId: job.id,
      tenantId: job.tenantId,
      eventType: payload.eventType,
      url: job.webhook.url,
      outcome: delivered ? 'delivered' : 'failed',
      responseStatus,
      error,
      durationMs: Math.round(performance.now() - started),
      nextAttemptAt: retry?.startAfter ?? null,
      createdAt,
    };
    await store.recordWebhookAttempt(attempt, delivery, retry);
    const log = {
      jobId: job.id,
      deliveryId: payload.deliveryId,
      attempt: payload.attempt,
      responseStatus,
      error,
      ...(cause === undefined ? {} : { cause }),
    };
    if (delivered) logger.info(log, 'webhook delivered');
    else if (retry)
      logger.warn({ ...log, nextAttemptAt: retry.startAfter }, 'webhook delivery failed; will retry');
    else logger.error(log, 'webhook delivery failed; giving up');
    if (retry) this.#wakeAt(retry.startAfter);
  }

  #backoff(attempt: number): number {
    const { initialBackoffMs, maxBackoffMs } = this.#options.settings;
    const ceiling = Math.min(maxBackoffMs, initialBackoffMs * 2 ** (attempt - 1));
    return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
  }

  #signal(): void {
    this.#wakePending = true;
    this.#wake?.();
  }

  #wakeAt(when: Date): void {
    const delay = when.getTime() - Date.now();
    if (delay < 60_000) setTimeout(() => this.#signal(), Math.max(0, delay) + 5).unref();
  }

  async #waitForWork(timeoutMs: number): Promise<void> {
    if (this.#wakePending || this.#stopping) {
      this.#wakePending = false;
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
    this.#wake = undefined;
    this.#wakePending = false;
  }
}

/** An attempt cut by its deadline (fetch rejects with the signal's TimeoutError; node:http wraps it). */
function isTimeout(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 4; depth += 1) {
    if (current.name === 'TimeoutError') return true;
    current = current.cause;
  }
  return false;
}
