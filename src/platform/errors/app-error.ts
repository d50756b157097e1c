export type ErrorCategory = 'user' | 'system' | 'third_party';

/** One entry of a module's error catalogue: everything a client may rely on for a code. */
export interface ErrorDefinition {
  readonly code: string;
  readonly status: number;
  readonly title: string;
  readonly category: ErrorCategory;
  readonly retryable: boolean;
  /** What it means and what the caller should do; rendered into docs/errors.md. */
  readonly description: string;
}

export type ErrorCatalogue = Readonly<Record<string, ErrorDefinition>>;

type DefinitionFields = Omit<ErrorDefinition, 'code'>;

/** Declares a module's codes in one place; the key is the code, so a code cannot be misspelled twice. */
export function defineErrors<const Codes extends Record<string, DefinitionFields>>(
  definitions: Codes,
): { readonly [Code in keyof Codes & string]: ErrorDefinition & { readonly code: Code } } {
  const catalogue: Record<string, ErrorDefinition> = {};
  for (const [code, fields] of Object.entries(definitions)) {
    if (!/^[A-Z][A-Z0-9_]*$/.test(code)) throw new Error(`error code ${code} is not UPPER_SNAKE`);
    catalogue[code] = Object.freeze({ code, ...fields });
  }
  return Object.freeze(catalogue) as never;
}

/** A field-level problem, as rendered in a problem's `errors` array. */
export interface FieldError {
  /** JSON Pointer into the request part, e.g. `/body/user_input`. */
  readonly pointer: string;
  readonly message: string;
  readonly code: string;
}

export interface AppErrorOptions {
  readonly detail?: string;
  /** JSON-safe extra members rendered into the problem document. */
  readonly details?: Readonly<Record<string, unknown>>;
  readonly errors?: readonly FieldError[];
  /** Response headers the problem needs, e.g. `retry-after`. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly cause?: unknown;
}

/** The only error services throw; one handler renders it as RFC 9457 problem+json. */
export class AppError extends Error {
  readonly definition: ErrorDefinition;
  readonly detail: string | undefined;
  readonly details: Readonly<Record<string, unknown>> | undefined;
  readonly errors: readonly FieldError[] | undefined;
  readonly headers: Readonly<Record<string, string>> | undefined;

  constructor(definition: ErrorDefinition, options: AppErrorOptions = {}) {
    super(
      options.detail ?? definition.title,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'AppError';
    this.definition = definition;
    this.detail = options.detail;
    this.details = options.details;
    this.errors = options.errors;
    this.headers = options.headers;
  }

  get code(): string {
    return this.definition.code;
  }

  get status(): number {
    return this.definition.status;
  }

  get category(): ErrorCategory {
    return this.definition.category;
  }

  get retryable(): boolean {
    return this.definition.retryable;
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}
