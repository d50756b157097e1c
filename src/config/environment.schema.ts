import { z } from 'zod';

const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

const optionalUrl = (protocols: readonly string[]) =>
  optionalText.pipe(
    z
      .url({ protocol: new RegExp(`^(${protocols.join('|')})$`) })
      .optional()
      .describe(`a ${protocols.join(' or ')} URL`),
  );

const integer = (fallback: number, minimum: number, maximum: number) =>
  z.coerce.number().int().min(minimum).max(maximum).default(fallback);

/**
 * Every environment variable Keel reads, declared once. `meta.description` and `meta.example` feed the
 * README's configuration table (a test keeps them identical) and `keel --help`.
 */
export const environmentSchema = z.object({
  PORT: integer(8080, 0, 65535).meta({ description: 'TCP port the API listens on.' }),
  HOST: z.string().min(1).default('127.0.0.1').meta({
    description: 'Address the API binds. The default keeps an unauthenticated embedded Keel local.',
  }),
  KEEL_DATA_DIR: z.string().min(1).default('./.keel').meta({
    description:
      'Where the embedded database (PGlite) keeps its files; `memory://` keeps nothing. Unused when `DATABASE_URL` is set.',
  }),
  DATABASE_URL: optionalUrl(['postgres', 'postgresql']).meta({
    description: 'PostgreSQL connection string. Set it to leave the embedded database for a server.',
    example: 'postgres://keel@127.0.0.1:5432/keel',
  }),
  REDIS_URL: optionalUrl(['redis', 'rediss']).meta({
    description:
      'Redis for state several Keel processes must share (limits, cache, events). Validated at start.',
    example: 'redis://127.0.0.1:6379',
  }),
  KEEL_ADMIN_KEY: optionalText.pipe(z.string().min(24).optional()).meta({
    description:
      'Admin API key (at least 24 characters). When set, every `/v1` route requires `Authorization: Bearer <key>`. Secret.',
  }),
  OPENAI_API_KEY: optionalText.meta({
    description: 'Key for OpenAI or any OpenAI-compatible server. Secret.',
  }),
  OPENAI_BASE_URL: optionalUrl(['http', 'https']).meta({
    description:
      'Base URL of an OpenAI-compatible server (Ollama, vLLM, llama.cpp, LM Studio), ending in `/v1`.',
    example: 'http://127.0.0.1:11434/v1',
  }),
  KEEL_MODEL: optionalText.meta({
    description:
      'Model id used by the OpenAI-compatible provider (defaults to `gpt-4o-mini` with `OPENAI_API_KEY` and no base URL).',
    example: 'llama3.1:8b',
  }),
  ANTHROPIC_API_KEY: optionalText.meta({ description: 'Key for Anthropic models. Secret.' }),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .meta({ description: 'Log level of the JSON logs on stdout.' }),
  KEEL_CONFIG: optionalText.meta({
    description:
      'Path of the typed config file. Defaults to `keel.config.ts` in the working directory, if it exists.',
  }),
  KEEL_BODY_LIMIT_BYTES: integer(1_048_576, 1024, 1_073_741_824).meta({
    description: 'Largest JSON request body accepted; larger ones get 413.',
  }),
  KEEL_CORS_ORIGINS: optionalText.meta({
    description: 'Comma-separated origins allowed by CORS (`*` for any). Unset: no cross-origin access.',
    example: 'https://app.example.com',
  }),
  KEEL_SHUTDOWN_TIMEOUT_MS: integer(10_000, 0, 600_000).meta({
    description: 'How long a SIGTERM waits for in-flight requests before closing anyway.',
  }),
});

export type Environment = z.output<typeof environmentSchema>;

/** Variables whose values are secrets: never logged, never echoed in a config problem. */
export const secretVariables = ['KEEL_ADMIN_KEY', 'OPENAI_API_KEY', 'ANTHROPIC_API_KEY'] as const;
