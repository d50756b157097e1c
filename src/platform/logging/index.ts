// Structured logging: pino JSON lines with a request id on every line and secrets censored.
export { routeConsoleToLogger } from './console-to-logger.ts';
export type { CreateLoggerOptions, Logger } from './logger.ts';
export { createLogger, REDACTED_PATHS } from './logger.ts';
export { REDACTED, SecretRedactor, secretRedactor } from './secret-redactor.ts';
