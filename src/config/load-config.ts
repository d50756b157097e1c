import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { z } from 'zod';
import type { AnyCapability } from '../modules/capabilities/index.ts';
import { configFileSchema } from './config-file.schema.ts';
import { type Environment, environmentSchema, secretVariables } from './environment.schema.ts';

export type LogLevel = Environment['LOG_LEVEL'];

export type StorageConfig =
  | { readonly kind: 'embedded'; readonly dataDir: string }
  | { readonly kind: 'postgres'; readonly url: string };

/** The resolved, frozen configuration every composition root receives. */
export interface KeelConfig {
  readonly server: {
    readonly host: string;
    readonly port: number;
    readonly bodyLimitBytes: number;
    readonly corsOrigins: readonly string[];
    readonly shutdownTimeoutMs: number;
  };
  readonly storage: StorageConfig;
  readonly redisUrl: string | undefined;
  readonly auth: { readonly adminKey: string | undefined };
  readonly models: {
    readonly openai: {
      readonly apiKey: string | undefined;
      readonly baseUrl: string | undefined;
      readonly model: string | undefined;
    };
    readonly anthropic: { readonly apiKey: string | undefined };
  };
  readonly logLevel: LogLevel;
  readonly capabilities: readonly AnyCapability[];
  readonly configFile: string | undefined;
}

/** Every problem found while loading, reported together so one restart fixes them all. */
export class ConfigError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export interface LoadConfigOptions {
  readonly environment?: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
}

export async function loadConfig(options: LoadConfigOptions = {}): Promise<KeelConfig> {
  const environment = options.environment ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const problems: string[] = [];

  const parsedEnvironment = environmentSchema.safeParse(pickDeclared(environment));
  if (!parsedEnvironment.success) problems.push(...describeIssues(parsedEnvironment.error, 'environment'));

  const file = await readConfigFile(environment.KEEL_CONFIG, cwd, problems);

  if (
    parsedEnvironment.success &&
    !parsedEnvironment.data.KEEL_ADMIN_KEY &&
    !isLoopback(parsedEnvironment.data.HOST)
  ) {
    problems.push(
      `HOST: ${parsedEnvironment.data.HOST} is reachable from other machines, so KEEL_ADMIN_KEY must be set (or bind HOST=127.0.0.1)`,
    );
  }
  if (!parsedEnvironment.success || file === undefined || problems.length > 0)
    throw new ConfigError(problems);
  return resolve(parsedEnvironment.data, file.values, file.path, cwd);
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function pickDeclared(
  environment: Readonly<Record<string, string | undefined>>,
): Record<string, string | undefined> {
  const declared: Record<string, string | undefined> = {};
  for (const name of Object.keys(environmentSchema.shape)) declared[name] = environment[name];
  return declared;
}

type FileValues = z.output<typeof configFileSchema>;

async function readConfigFile(
  explicitPath: string | undefined,
  cwd: string,
  problems: string[],
): Promise<{ values: FileValues; path: string | undefined } | undefined> {
  const candidate = explicitPath?.trim()
    ? path.resolve(cwd, explicitPath)
    : path.resolve(cwd, 'keel.config.ts');
  if (!existsSync(candidate)) {
    if (explicitPath?.trim()) {
      problems.push(`KEEL_CONFIG: no config file at ${candidate}`);
      return undefined;
    }
    return { values: configFileSchema.parse({}), path: undefined };
  }
  let exported: unknown;
  try {
    const module = (await import(pathToFileURL(candidate).href)) as { default?: unknown; config?: unknown };
    exported = module.default ?? module.config;
  } catch (error) {
    problems.push(
      `${candidate}: could not be loaded: ${error instanceof Error ? error.message : String(error)}`,
    );
    return undefined;
  }
  const parsed = configFileSchema.safeParse(exported ?? {});
  if (!parsed.success) {
    problems.push(...describeIssues(parsed.error, candidate));
    return undefined;
  }
  return { values: parsed.data, path: candidate };
}

function describeIssues(error: z.ZodError, source: string): string[] {
  return error.issues.map((issue) => {
    const name = issue.path.join('.') || '(root)';
    // Never echo a secret's value back, even a malformed one.
    const isSecret = (secretVariables as readonly string[]).includes(String(issue.path[0]));
    const message = isSecret ? issue.message.replace(/received .*/i, 'received a value') : issue.message;
    return source === 'environment' ? `${name}: ${message}` : `${source}: ${name}: ${message}`;
  });
}

function resolve(
  environment: Environment,
  file: FileValues,
  configFile: string | undefined,
  cwd: string,
): KeelConfig {
  const corsOrigins = environment.KEEL_CORS_ORIGINS
    ? environment.KEEL_CORS_ORIGINS.split(',')
        .map((origin) => origin.trim())
        .filter(Boolean)
    : (file.http.corsOrigins ?? []);
  const config: KeelConfig = {
    server: {
      host: environment.HOST,
      port: environment.PORT,
      bodyLimitBytes: file.http.bodyLimitBytes ?? environment.KEEL_BODY_LIMIT_BYTES,
      corsOrigins,
      shutdownTimeoutMs: environment.KEEL_SHUTDOWN_TIMEOUT_MS,
    },
    storage: environment.DATABASE_URL
      ? { kind: 'postgres', url: environment.DATABASE_URL }
      : {
          kind: 'embedded',
          dataDir:
            environment.KEEL_DATA_DIR === 'memory://'
              ? 'memory://'
              : path.resolve(cwd, environment.KEEL_DATA_DIR),
        },
    redisUrl: environment.REDIS_URL,
    auth: { adminKey: environment.KEEL_ADMIN_KEY },
    models: {
      openai: {
        apiKey: environment.OPENAI_API_KEY,
        baseUrl: environment.OPENAI_BASE_URL,
        model: environment.KEEL_MODEL ?? file.models.default,
      },
      anthropic: { apiKey: environment.ANTHROPIC_API_KEY },
    },
    logLevel: environment.LOG_LEVEL,
    capabilities: file.capabilities,
    configFile,
  };
  // Capabilities hold Zod schemas, which cache lazily: freeze the list, not the schemas inside it.
  Object.freeze(config.capabilities);
  return deepFreeze(config);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}
