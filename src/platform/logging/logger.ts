import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths whose values never reach a log line. Keys travel in headers and config objects; anything named
 * like a secret is censored wherever it appears at these depths.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["api-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-api-key"]',
  'authorization',
  'apiKey',
  '*.apiKey',
  '*.*.apiKey',
  'adminKey',
  '*.adminKey',
  'password',
  '*.password',
  'secret',
  '*.secret',
];

export interface CreateLoggerOptions {
  readonly level: LoggerOptions['level'];
  readonly destination?: DestinationStream;
  readonly base?: Record<string, unknown>;
}

/** JSON lines on stdout: one object per event, ISO timestamps, secrets censored. */
export function createLogger(options: CreateLoggerOptions): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'keel', ...options.base },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
