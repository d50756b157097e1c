import { format } from 'node:util';
import type { Logger } from './logger.ts';

type ConsoleMethod = 'debug' | 'error' | 'info' | 'log' | 'trace' | 'warn';

const LEVELS: Record<ConsoleMethod, 'debug' | 'error' | 'info' | 'trace' | 'warn'> = {
  debug: 'debug',
  error: 'error',
  info: 'info',
  log: 'info',
  trace: 'trace',
  warn: 'warn',
};

/**
 * Nothing a serving process prints may bypass the redacting logger (decision 0128): a library that calls
 * `console.*` (the AI SDK's default stream `onError` did, with a provider's error and its key) or warns
 * through `process.emitWarning` / the AI SDK's warning hook now writes a log entry, scrubbed like every
 * other. Returns a function that restores what it replaced.
 */
export function routeConsoleToLogger(logger: Logger): () => void {
  const saved = new Map<ConsoleMethod, (...values: unknown[]) => void>();
  for (const method of Object.keys(LEVELS) as ConsoleMethod[]) {
    saved.set(method, console[method]);
    const level = LEVELS[method];
    console[method] = (...values: unknown[]) => {
      const error = values.find((value) => value instanceof Error);
      logger[level]({ source: `console.${method}`, ...(error ? { err: error } : {}) }, format(...values));
    };
  }
  const global = globalThis as { AI_SDK_LOG_WARNINGS?: unknown };
  const savedWarnings = global.AI_SDK_LOG_WARNINGS;
  global.AI_SDK_LOG_WARNINGS = (options: { warnings?: unknown; provider?: unknown; model?: unknown }) =>
    logger.warn(
      { source: 'ai-sdk', warnings: options.warnings, provider: options.provider, model: options.model },
      'AI SDK warning',
    );
  // Node prints process warnings to stderr from its own listener: replace it with the logger.
  const warningListeners = process.listeners('warning');
  process.removeAllListeners('warning');
  const onWarning = (warning: Error) => logger.warn({ source: 'process', err: warning }, warning.message);
  process.on('warning', onWarning);
  return () => {
    for (const [method, original] of saved) console[method] = original;
    global.AI_SDK_LOG_WARNINGS = savedWarnings;
    process.off('warning', onWarning);
    for (const listener of warningListeners) process.on('warning', listener);
  };
}
