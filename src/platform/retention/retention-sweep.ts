export interface RetentionSweepOptions {
  /** Records older than this many days are deleted; 0 keeps everything. */
  readonly retentionDays: number;
  /** Deletes what is older than `cutoff`; returns how many records went. Must be idempotent. */
  readonly deleteOlderThan: (cutoff: Date) => Promise<number>;
  readonly now?: () => Date;
  /** Time between sweeps (default an hour); the first runs 5 s after start. */
  readonly intervalMs?: number;
  readonly onSwept?: (deleted: number, cutoff: Date) => void;
  readonly onError?: (error: unknown) => void;
}

export interface RetentionSweep {
  sweep(): Promise<number>;
  stop(): void;
}

/**
 * Deletes expired records shortly after start and then every `intervalMs`. Every process may run it: the
 * delete is idempotent, so several sweeping the same table only repeat each other's no-op.
 */
export function startRetentionSweep(options: RetentionSweepOptions): RetentionSweep {
  const now = options.now ?? (() => new Date());
  let stopped = false;
  const sweep = async (): Promise<number> => {
    if (options.retentionDays <= 0) return 0;
    const cutoff = new Date(now().getTime() - options.retentionDays * 86_400_000);
    const deleted = await options.deleteOlderThan(cutoff);
    options.onSwept?.(deleted, cutoff);
    return deleted;
  };
  const run = () => {
    if (stopped) return;
    sweep().catch((error: unknown) => options.onError?.(error));
  };
  const first = setTimeout(run, 5_000);
  const timer = setInterval(run, options.intervalMs ?? 3_600_000);
  first.unref();
  timer.unref();
  return {
    sweep,
    stop() {
      stopped = true;
      clearTimeout(first);
      clearInterval(timer);
    },
  };
}
