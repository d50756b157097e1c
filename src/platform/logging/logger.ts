import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { type SecretRedactor, secretRedactor } from './secret-redactor.ts';

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
  /** Scrubs each finished line; the process-wide redactor (with the configured secrets) by default. */
  readonly redactor?: SecretRedactor;
}

/**
 * Every finished line passes through the redactor before it is written: paths catch secrets by name,
 * this catches them by value, wherever they hide (messages, error messages and stacks, nested causes).
 */
function redactingDestination(destination: DestinationStream, redactor: SecretRedactor): DestinationStream {
  const write = (line: string) => destination.write(redactor.redactText(line));
  // A proxy, not a copy: sonic-boom keeps its state on itself, so every other member runs on the original.
  return new Proxy(destination, {
    get(target, property) {
      if (property === 'write') return write;
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
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
    redactingDestination(
      options.destination ?? pino.destination({ dest: 1, sync: false }),
      options.redactor ?? secretRedactor,
    ),
  );
}
