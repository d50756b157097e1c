// Keel's error model: AppError with a catalogue entry per code, and its RFC 9457 rendering.
// Modules declare their codes with defineErrors and throw AppError; only the HTTP error handler renders them.
export type {
  AppErrorOptions,
  ErrorCatalogue,
  ErrorCategory,
  ErrorDefinition,
  FieldError,
} from './app-error.ts';
export { AppError, defineErrors, isAppError } from './app-error.ts';
export { platformErrors } from './platform.errors.ts';
export type { ProblemDocument } from './problem.ts';
export { asAppError, PROBLEM_CONTENT_TYPE, problemType, toProblem } from './problem.ts';
