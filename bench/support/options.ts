/** Command-line flags of `npm run bench -- <name> [--flag value ...]`, handed to a benchmark as-is. */
export type BenchOptions = Readonly<Record<string, string | true>>;

/** A mistake in the command line: the dispatcher prints it and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** `--key value`, `--key=value` and bare `--flag` (true); anything else is a positional. */
export function parseFlags(argv: readonly string[]): { positionals: string[]; options: BenchOptions } {
  const positionals: string[] = [];
  const options: Record<string, string | true> = {};
  for (let index = 0; index < argv.length; index++) {
    const token = argv[index] ?? '';
    if (!token.startsWith('--') || token === '--') {
      positionals.push(token);
      continue;
    }
    const equals = token.indexOf('=');
    if (equals > 2) {
      options[token.slice(2, equals)] = token.slice(equals + 1);
      continue;
    }
    const next = argv[index + 1];
    if (next !== undefined && !next.startsWith('--')) {
      options[token.slice(2)] = next;
      index++;
    } else {
      options[token.slice(2)] = true;
    }
  }
  return { positionals, options };
}

export function rejectUnknownOptions(options: BenchOptions, known: readonly string[]): void {
  const unknown = Object.keys(options).filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new UsageError(
      `unknown option ${unknown.map((name) => `--${name}`).join(', ')} (known: ${known.map((name) => `--${name}`).join(', ')})`,
    );
  }
}

interface NumberBounds {
  readonly min?: number;
  readonly max?: number;
  readonly integer?: boolean;
}

function toNumber(name: string, text: string, bounds: NumberBounds): number {
  const value = Number(text);
  const { min = Number.NEGATIVE_INFINITY, max = Number.POSITIVE_INFINITY, integer = false } = bounds;
  if (text.trim() === '' || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new UsageError(
      `--${name} must be ${integer ? 'an integer' : 'a number'}, got ${JSON.stringify(text)}`,
    );
  }
  if (value < min || value > max) {
    throw new UsageError(`--${name} must be between ${min} and ${max}, got ${value}`);
  }
  return value;
}

function textValue(options: BenchOptions, name: string): string | undefined {
  const value = options[name];
  if (value === true) throw new UsageError(`--${name} needs a value`);
  return value;
}

export function numberOption(
  options: BenchOptions,
  name: string,
  fallback: number,
  bounds: NumberBounds = {},
): number {
  const text = textValue(options, name);
  return text === undefined ? fallback : toNumber(name, text, bounds);
}

/** `--connections 16,64` */
export function numberListOption(
  options: BenchOptions,
  name: string,
  fallback: readonly number[],
  bounds: NumberBounds = {},
): number[] {
  const text = textValue(options, name);
  if (text === undefined) return [...fallback];
  return text.split(',').map((part) => toNumber(name, part.trim(), bounds));
}

/** `--targets keel,bare`, each value one of `allowed`. */
export function listOption<T extends string>(
  options: BenchOptions,
  name: string,
  allowed: readonly T[],
  fallback: readonly T[],
): T[] {
  const text = textValue(options, name);
  if (text === undefined) return [...fallback];
  const values = text.split(',').map((part) => part.trim());
  for (const value of values) {
    if (!(allowed as readonly string[]).includes(value)) {
      throw new UsageError(
        `--${name}: unknown value ${JSON.stringify(value)} (allowed: ${allowed.join(', ')})`,
      );
    }
  }
  return values as T[];
}

/** `--name value`: the value, or undefined when the option is absent. */
export function stringOption(options: BenchOptions, name: string): string | undefined {
  const value = options[name];
  if (value === undefined) return undefined;
  if (value === true) throw new UsageError(`--${name} needs a value`);
  return value;
}

export function booleanOption(options: BenchOptions, name: string): boolean {
  const value = options[name];
  if (value === undefined) return false;
  if (value === true || value === 'true') return true;
  if (value === 'false') return false;
  throw new UsageError(`--${name} is a flag (true or false), got ${JSON.stringify(value)}`);
}
