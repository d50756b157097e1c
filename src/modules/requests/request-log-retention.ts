import type { RequestLogStore } from './request-log.port.ts';

export interface RetentionOptions {
  readonly store: RequestLogStore;
  /** Records older than this many days are deleted; 0 keeps everything. */
  readonly retentionDays: number;
  readonly now?: () => Date;
  readonly intervalMs?: number;
  readonly onSwept?: (deleted: number, cutoff: Date) => void;
  readonly onError?: (error: unknown) => void;
}

/** Deletes expired request-log records shortly after start and then hourly; every process may run it (the delete is idempotent). */
export function startRequestLogRetention(options: RetentionOptions): {
  sweep(): Promise<number>;
  stop(): void;
} {
  const now = options.now ?? (() => new Date());
  let stopped = false;
  const sweep = async (): Promise<number> => {
    if (options.retentionDays <= 0) return 0;
    const cutoff = new Date(now().getTime() - options.retentionDays * 86_400_000);
    const deleted = await options.store.deleteOlderThan(cutoff);
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
