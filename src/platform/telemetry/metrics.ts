import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const FIRST_TOKEN_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30];

/** What the compute pool reports to `/metrics` (see `WorkerPool.stats`). */
export type ComputeStatsReader = () => {
  readonly threads: number;
  readonly maxThreads: number;
  readonly running: number;
  readonly queued: Readonly<Record<string, number>>;
};

export type CircuitState = 'closed' | 'half-open' | 'open';
const CIRCUIT_VALUES: Record<CircuitState, number> = { closed: 0, 'half-open': 1, open: 2 };

/**
 * Keel's Prometheus metrics, on a registry of its own (one per app, so tests do not share counts).
 * Modules record through these instruments; `/metrics` renders the registry.
 */
export class KeelMetrics {
  readonly registry = new Registry();

  readonly httpDuration = new Histogram({
    name: 'keel_http_request_duration_seconds',
    help: 'HTTP request latency by route pattern, method and status code.',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly modelDuration = new Histogram({
    name: 'keel_model_call_duration_seconds',
    help: 'Model call latency (until the last token for streams) by provider, model, operation and outcome.',
    labelNames: ['provider', 'model', 'operation', 'outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly modelFirstToken = new Histogram({
    name: 'keel_model_time_to_first_token_seconds',
    help: 'Time from a streamed model call to its first content chunk, by provider and model.',
    labelNames: ['provider', 'model'] as const,
    buckets: FIRST_TOKEN_BUCKETS,
    registers: [this.registry],
  });

  readonly modelTokens = new Counter({
    name: 'keel_model_tokens_total',
    help: 'Model tokens by provider, model and direction (input or output).',
    labelNames: ['provider', 'model', 'direction'] as const,
    registers: [this.registry],
  });

  readonly modelCost = new Counter({
    name: 'keel_model_cost_usd_total',
    help: 'Model cost in US dollars (from the price table) by provider and model.',
    labelNames: ['provider', 'model'] as const,
    registers: [this.registry],
  });

  readonly modelRetries = new Counter({
    name: 'keel_model_retries_total',
    help: 'Model call attempts retried by the gateway, by provider and model.',
    labelNames: ['provider', 'model'] as const,
    registers: [this.registry],
  });

  readonly modelFallbacks = new Counter({
    name: 'keel_model_fallbacks_total',
    help: 'Calls that fell back from one model to the next.',
    labelNames: ['from', 'to'] as const,
    registers: [this.registry],
  });

  readonly circuitState = new Gauge({
    name: 'keel_circuit_state',
    help: 'Circuit breaker state per provider deployment: 0 closed, 1 half-open, 2 open.',
    labelNames: ['deployment'] as const,
    registers: [this.registry],
  });

  readonly rateLimitRejections = new Counter({
    name: 'keel_rate_limit_rejections_total',
    help: 'Requests or model calls refused by a limit: requests, tokens, streams or budget.',
    labelNames: ['limit'] as const,
    registers: [this.registry],
  });

  readonly guardrailDecisions = new Counter({
    name: 'keel_guardrail_decisions_total',
    help: 'Guardrail decisions by policy, stage (input, retrieved, output) and action (block, redact, flag).',
    labelNames: ['policy', 'stage', 'action'] as const,
    registers: [this.registry],
  });

  readonly loadShed = new Counter({
    name: 'keel_load_shed_total',
    help: 'Requests answered 503 because the event loop lagged.',
    registers: [this.registry],
  });

  readonly openStreams = new Gauge({
    name: 'keel_open_streams',
    help: 'Streaming responses open in this process.',
    registers: [this.registry],
  });

  readonly jobDuration = new Histogram({
    name: 'keel_job_duration_seconds',
    help: 'Job run time by job name and outcome.',
    labelNames: ['name', 'outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly jobQueueDepth = new Gauge({
    name: 'keel_job_queue_depth',
    help: 'Jobs waiting per queue, read from the queue when scraped.',
    labelNames: ['queue'] as const,
    registers: [this.registry],
    collect: async () => this.#collectQueueDepth(),
  });

  readonly requestLogDropped = new Counter({
    name: 'keel_request_log_dropped_total',
    help: 'Request-log records dropped after the store refused them repeatedly.',
    registers: [this.registry],
  });

  readonly computeTasks = new Counter({
    name: 'keel_compute_tasks_total',
    help: 'Compute-pool tasks by kind and outcome (completed, failed, cancelled, timed-out, refused, crashed).',
    labelNames: ['kind', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly computeTaskWait = new Histogram({
    name: 'keel_compute_task_wait_seconds',
    help: 'Time compute tasks waited for a worker thread, by kind and priority.',
    labelNames: ['kind', 'priority'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly computeTaskRun = new Histogram({
    name: 'keel_compute_task_run_seconds',
    help: 'Time compute tasks ran on a worker thread, by kind.',
    labelNames: ['kind'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly computeQueueDepth = new Gauge({
    name: 'keel_compute_queue_depth',
    help: 'Compute tasks waiting for a worker thread, by priority (interactive, background), read when scraped.',
    labelNames: ['priority'] as const,
    registers: [this.registry],
    collect: () => this.#collectCompute(),
  });

  readonly computeThreads = new Gauge({
    name: 'keel_compute_threads',
    help: 'Compute worker threads: `state="live"` now running, `state="busy"` running a task, `state="max"` the configured size.',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });

  #queueDepth: (() => Promise<Readonly<Record<string, number>>>) | undefined;
  #computeStats: ComputeStatsReader | undefined;

  constructor(options: { readonly defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** The jobs module registers how to read queue depths; they are read on each scrape. */
  observeQueueDepth(read: () => Promise<Readonly<Record<string, number>>>): void {
    this.#queueDepth = read;
  }

  /** The compute pool registers how to read its queue and threads; they are read on each scrape. */
  observeCompute(read: ComputeStatsReader): void {
    this.#computeStats = read;
  }

  #collectCompute(): void {
    const stats = this.#computeStats?.();
    if (!stats) return;
    for (const [priority, depth] of Object.entries(stats.queued))
      this.computeQueueDepth.set({ priority }, depth);
    this.computeThreads.set({ state: 'live' }, stats.threads);
    this.computeThreads.set({ state: 'busy' }, stats.running);
    this.computeThreads.set({ state: 'max' }, stats.maxThreads);
  }

  setCircuitState(deployment: string, state: CircuitState): void {
    this.circuitState.set({ deployment }, CIRCUIT_VALUES[state]);
  }

  async #collectQueueDepth(): Promise<void> {
    if (!this.#queueDepth) return;
    const depths = await this.#queueDepth().catch(() => ({}));
    this.jobQueueDepth.reset();
    for (const [queue, depth] of Object.entries(depths)) this.jobQueueDepth.set({ queue }, depth);
  }
}
