import type { Notifier } from '../../platform/jobs/index.ts';
import type { Logger } from '../../platform/logging/index.ts';
import type { AnyCapability, CapabilityInvoker, Clock } from '../capabilities/index.ts';
import type { JobWebhook } from './job.types.ts';
import { JobEventFeed } from './job-event-feed.ts';
import { JobRunner, type JobRunnerSettings } from './job-runner.ts';
import type { JobStore } from './job-store.port.ts';
import { type JobDefaults, JobService } from './jobs.service.ts';
import { WebhookSender, type WebhookSettings } from './webhook-sender.ts';

export interface JobSettings {
  readonly defaults: JobDefaults;
  /** Run workers (job attempts and webhook deliveries) in this process. */
  readonly runWorkers: boolean;
  readonly runner: JobRunnerSettings;
  readonly webhooks: WebhookSettings;
  /** Backstop re-read of followed jobs by SSE/WebSocket streams. */
  readonly feedPollIntervalMs: number;
}

export interface JobSystemOptions {
  readonly store: JobStore;
  readonly notifier: Notifier;
  readonly invoker: CapabilityInvoker;
  readonly capabilities: readonly AnyCapability[];
  readonly clock: Clock;
  readonly logger: Logger;
  readonly settings: JobSettings;
  readonly userAgent: string;
  /** Per-key default webhooks (see JobServiceOptions.keyWebhook). */
  readonly keyWebhook?: (apiKeyId: string) => Promise<JobWebhook | null>;
}

/** Everything jobs need in one process: the API's service and feed, and (when it runs them) the workers. */
export interface JobSystem {
  readonly service: JobService;
  readonly feed: JobEventFeed;
  readonly runner: JobRunner | undefined;
  readonly webhooks: WebhookSender | undefined;
  start(): Promise<void>;
  /** Ends streams, hands running attempts back, waits for webhook attempts in flight. */
  stop(): Promise<void>;
}

export function createJobSystem(options: JobSystemOptions): JobSystem {
  const { store, notifier, invoker, capabilities, clock, logger, settings } = options;
  const service = new JobService({
    store,
    capabilities,
    clock,
    defaults: settings.defaults,
    ...(options.keyWebhook ? { keyWebhook: options.keyWebhook } : {}),
  });
  const feed = new JobEventFeed({ store, notifier, pollIntervalMs: settings.feedPollIntervalMs });
  const runner = settings.runWorkers
    ? new JobRunner({ store, notifier, invoker, capabilities, clock, logger, settings: settings.runner })
    : undefined;
  const webhooks = settings.runWorkers
    ? new WebhookSender({
        store,
        notifier,
        clock,
        logger,
        settings: settings.webhooks,
        userAgent: options.userAgent,
      })
    : undefined;
  let stopping: Promise<void> | undefined;
  return {
    service,
    feed,
    runner,
    webhooks,
    async start() {
      await runner?.start();
      webhooks?.start();
    },
    stop() {
      stopping ??= (async () => {
        feed.close();
        await runner?.stop();
        await webhooks?.stop();
      })();
      return stopping;
    },
  };
}
