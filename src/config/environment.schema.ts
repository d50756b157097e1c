import { z } from 'zod';
import { isAllowEntry } from '../platform/net/index.ts';

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

const optionalInteger = (minimum: number, maximum: number) =>
  optionalText.pipe(z.coerce.number<string | undefined>().int().min(minimum).max(maximum).optional());

const booleanFlag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'])
    .default(fallback ? 'true' : 'false')
    .transform((value) => value === 'true' || value === '1');

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
  KEEL_CACHE_DIR: z.string().min(1).optional().meta({
    description:
      'Where Keel keeps what it can rebuild: a freshly initialised embedded cluster and the same cluster at the latest schema, so a new data directory or a `memory://` start skips initdb and the migrations (about 9 s of CPU). Default `$XDG_CACHE_HOME/keel` or `~/.cache/keel`; `off` keeps nothing. Used only when it is owned by this user and writable by no one else.',
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
      'Bootstrap admin key (at least 24 characters). When set, every non-public route needs `Authorization: Bearer <key>` with this key or an API key made with it (`POST /v1/admin/keys`, `keel keys create`). Unset: Keel binds loopback only and keyless requests act as the local administrator. Secret.',
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
  KEEL_UPLOAD_LIMIT_BYTES: integer(20_971_520, 1024, 1_073_741_824).meta({
    description:
      'Largest document accepted by the documents API (a file upload, or text sent as JSON); larger ones get 413 `DOCUMENTS_UPLOAD_TOO_LARGE`.',
  }),
  KEEL_PARSE_MAX_UNCOMPRESSED_BYTES: integer(52_428_800, 1_024, 1_073_741_824).meta({
    description:
      "Most bytes one document may decompress or decode to while it is parsed: a DOCX's XML parts, a PDF's compressed streams, a text file. Over it, ingestion fails with `DOCUMENTS_PARSE_LIMIT_EXCEEDED`.",
  }),
  KEEL_PARSE_MAX_ZIP_ENTRIES: integer(2_000, 1, 65_535).meta({
    description: 'Most entries a DOCX (a zip) may hold.',
  }),
  KEEL_PARSE_MAX_COMPRESSION_RATIO: integer(100, 2, 100_000).meta({
    description:
      'Largest uncompressed/compressed ratio of one DOCX part or PDF stream over 1 MiB uncompressed (real documents compress about 5-20 to 1; bombs about 1,000 to 1).',
  }),
  KEEL_PARSE_MAX_NESTING_DEPTH: integer(200, 8, 1_000).meta({
    description:
      'Deepest nesting of XML elements, HTML lists and tables, JSON arrays and objects, Markdown lists and quotes.',
  }),
  KEEL_PARSE_MAX_PDF_PAGES: integer(2_000, 1, 1_000_000).meta({
    description: 'Most pages a PDF may have.',
  }),
  KEEL_PARSE_MAX_CHARACTERS: integer(20_000_000, 1_000, 1_000_000_000).meta({
    description: 'Most characters of text one document may yield.',
  }),
  KEEL_PARSE_MAX_BLOCKS: integer(200_000, 100, 100_000_000).meta({
    description: 'Most blocks (paragraphs, headings, list items, tables) one document may yield.',
  }),
  KEEL_CHAT_WINDOW_MESSAGES: integer(20, 0, 1_000).meta({
    description:
      'Most earlier messages of a conversation one `chat` turn sends to the model (0: none, each turn stands alone). The full history stays stored.',
  }),
  KEEL_CHAT_WINDOW_TOKENS: integer(4_000, 256, 1_000_000).meta({
    description:
      'Token budget of one `chat` turn: system prompt, earlier messages and the new message together; the oldest messages are left out until it fits.',
  }),
  KEEL_CHAT_RETENTION_DAYS: integer(0, 0, 3_650).meta({
    description:
      'Days a `chat` conversation is kept after its last turn; older ones are deleted with their messages, hourly. 0 keeps everything.',
  }),
  KEEL_SSE_HEARTBEAT_MS: integer(15_000, 1, 600_000).meta({
    description:
      'How often an idle Server-Sent Events stream (streamed capability calls, job and agent-run events, OpenAI-compatible chat) gets a `: keep-alive` comment, so proxies keep it open.',
  }),
  KEEL_BATCH_MAX_ITEMS: integer(100, 1, 10_000).meta({
    description: 'Most items one `POST /v1/<capability>/batch` may carry; more is a 400.',
  }),
  KEEL_BATCH_CONCURRENCY: integer(4, 1, 256).meta({
    description: 'Items of one batch request that run at once.',
  }),
  KEEL_EMBEDDINGS: z.enum(['local', 'off']).default('local').meta({
    description:
      'Embedding model of document retrieval: `local` (the embedded USE-lite engine, loaded on first use) or `off` (lexical search only).',
  }),
  KEEL_CORS_ORIGINS: optionalText.meta({
    description: 'Comma-separated origins allowed by CORS (`*` for any). Unset: no cross-origin access.',
    example: 'https://app.example.com',
  }),
  KEEL_SHUTDOWN_TIMEOUT_MS: integer(10_000, 0, 600_000).meta({
    description: 'How long a SIGTERM waits for in-flight requests before closing anyway.',
  }),
  KEEL_API_WORKERS: z.enum(['auto', 'on', 'off']).default('auto').meta({
    description:
      'Whether `keel serve` also runs job workers. `auto`: yes on the embedded database, no with `DATABASE_URL` (run `keel worker` processes).',
  }),
  KEEL_WORKER_CONCURRENCY: integer(16, 1, 1_000).meta({
    description: 'Job attempts one process runs at once.',
  }),
  KEEL_JOB_LEASE_MS: integer(15_000, 500, 600_000).meta({
    description:
      "How long a silent worker keeps its jobs: after it, a crashed worker's running jobs are retried elsewhere.",
  }),
  KEEL_LIMIT_REQUESTS_PER_MINUTE: optionalInteger(1, 1_000_000).meta({
    description:
      'Default requests per minute per API key (a key may set its own). Counted across processes with `REDIS_URL`. Unset: unlimited.',
    example: '600',
  }),
  KEEL_LIMIT_TOKENS_PER_MINUTE: optionalInteger(1, 1_000_000_000).meta({
    description:
      'Default model tokens (input + output) per minute per API key, estimated before each call and settled after. Unset: unlimited.',
    example: '200000',
  }),
  KEEL_LIMIT_CONCURRENT_STREAMS: optionalInteger(1, 100_000).meta({
    description: 'Default open streaming responses per API key. Unset: unlimited.',
    example: '20',
  }),
  KEEL_BUDGET_USD: optionalText
    .pipe(z.coerce.number<string | undefined>().min(0).max(1_000_000).optional())
    .meta({
      description:
        'Default model spend budget per API key, in US dollars per `KEEL_BUDGET_PERIOD`, priced from the gateway price table. Unset: no budget.',
      example: '25',
    }),
  KEEL_BUDGET_PERIOD: z.enum(['day', 'month']).default('month').meta({
    description: 'The calendar period (UTC) budgets reset on.',
  }),
  KEEL_AUTH_FAILURES_PER_MINUTE: integer(30, 0, 1_000_000).meta({
    description:
      'Refused API keys (401s to requests that sent a key) answered per client address per minute; beyond it, further refused keys get 429 `LIMIT_AUTH_FAILURES` until the window slides (valid keys always work). Counted across processes with `REDIS_URL`. 0 turns the limit off.',
  }),
  KEEL_OUTBOUND_ALLOW: optionalText
    .refine(
      (value) =>
        value === undefined ||
        value
          .split(',')
          .map((entry) => entry.trim())
          .filter(Boolean)
          .every(isAllowEntry),
      'comma-separated addresses, CIDRs (`10.0.0.0/8`, `fd00::/8`), host names or `*.suffix` wildcards',
    )
    .meta({
      description:
        'Non-public targets job webhooks may reach: comma-separated addresses, CIDRs, host names or `*.suffix` wildcards. Unset: webhooks reach public addresses only (loopback, private, link-local, CGNAT, metadata and IPv6 local ranges are refused, checked on the address connected to).',
      example: '10.20.0.0/16,hooks.internal',
    }),
  KEEL_VARIANTS_WEBHOOK_URL: optionalText.pipe(z.url({ protocol: /^https?$/ }).optional()).meta({
    description:
      'Receives a signed POST (Standard Webhooks headers) for every promotion and rollback of a capability variant, automatic rollbacks included (docs/variants.md). Non-public targets need `KEEL_OUTBOUND_ALLOW`. Unset: no webhook.',
    example: 'https://hooks.example.com/keel-variants',
  }),
  KEEL_VARIANTS_WEBHOOK_SECRET: optionalText.pipe(z.string().min(24).optional()).meta({
    description:
      'Signs the variants webhook (HMAC-SHA256); at least 24 characters. Needed with `KEEL_VARIANTS_WEBHOOK_URL`.',
    example: 'whsec_change-me-to-something-long',
  }),
  KEEL_MAX_EVENT_LOOP_DELAY_MS: integer(1_000, 0, 60_000).meta({
    description:
      'Shed load (503 `SERVICE_OVERLOADED`) while the mean event-loop delay exceeds this; 0 turns shedding off.',
  }),
  KEEL_COMPUTE_THREADS: optionalInteger(1, 64).meta({
    description:
      'Worker threads of the compute pool that runs CPU-bound work (local engine, parsing, embeddings) off the event loop. Unset: available cores - 1, at least 1.',
    example: '3',
  }),
  KEEL_COMPUTE_MAX_QUEUE: integer(256, 1, 100_000).meta({
    description:
      'Interactive compute tasks (sync and streamed calls) that may wait for a thread at once; more get 503 `COMPUTE_POOL_SATURATED` at once.',
  }),
  KEEL_COMPUTE_QUEUE_TIMEOUT_MS: integer(10_000, 10, 600_000).meta({
    description:
      'How long an interactive compute task may wait for a thread before it gets 503 `COMPUTE_POOL_SATURATED` with a `Retry-After` estimated from the queue. Jobs and ingestion wait as long as it takes.',
  }),
  KEEL_COMPUTE_TASK_TIMEOUT_MS: integer(60_000, 100, 3_600_000).meta({
    description:
      'How long parsing and chunking one document may run on a compute thread before the thread is stopped and the document fails (`COMPUTE_TASK_TIMEOUT`). Local-engine calls and embedding batches, bounded by their inputs, get ten times this as a guard against a hang.',
  }),
  KEEL_COMPUTE_MAX_HEAP_MB: integer(1_536, 64, 65_536).meta({
    description:
      'Heap limit of each compute thread (MB): a document or call that needs more fails alone (`COMPUTE_WORKER_CRASHED`) instead of exhausting the process.',
  }),
  KEEL_REDIS_PREFIX: z.string().min(1).max(64).default('keel:').meta({
    description: 'Prefix of every Redis key Keel writes, so deployments can share one Redis.',
  }),
  KEEL_REQUEST_LOG_BODIES: booleanFlag(true).meta({
    description:
      'Keep request bodies and capability outputs in the request log (secrets redacted). `false` keeps only metadata and usage.',
  }),
  KEEL_REQUEST_LOG_RETENTION_DAYS: integer(30, 0, 3_650).meta({
    description: 'Days the request log is kept; older records are deleted hourly. 0 keeps everything.',
  }),
  KEEL_URL: optionalUrl(['http', 'https']).meta({
    description:
      'Where the `keel` commands that talk HTTP (`ingest`, `eval`) find Keel; `--url` overrides it. Unset: `http://HOST:PORT` from the settings above (loopback when `HOST` binds every address).',
    example: 'https://keel.internal.example.com',
  }),
  KEEL_CLI_MAX_ATTEMPTS: integer(8, 1, 100).meta({
    description:
      'Tries per request of `keel ingest` and `keel eval` when Keel refuses (429, 503) or the connection fails, the first included; 1 never retries. `--max-attempts` overrides it.',
  }),
  KEEL_CLI_RETRY_SECONDS: integer(120, 0, 86_400).meta({
    description:
      'Most seconds one request of `keel ingest` and `keel eval` spends on its attempts and waits before giving up. `--retry-seconds` overrides it.',
  }),
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl(['http', 'https']).meta({
    description:
      'OpenTelemetry collector base URL; traces are sent (OTLP/HTTP) to `<url>/v1/traces`. Unset: spans are made but not exported.',
    example: 'http://127.0.0.1:4318',
  }),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: optionalUrl(['http', 'https']).meta({
    description: 'Full OTLP/HTTP traces URL; overrides `OTEL_EXPORTER_OTLP_ENDPOINT` for traces.',
  }),
  OTEL_EXPORTER_OTLP_HEADERS: optionalText.meta({
    description: 'Headers for the collector, `key=value` pairs separated by commas. Secret.',
    example: 'authorization=Bearer abc',
  }),
  OTEL_SERVICE_NAME: z.string().min(1).default('keel').meta({
    description: 'The `service.name` of exported spans.',
  }),
});

export type Environment = z.output<typeof environmentSchema>;

/** Variables whose values are secrets: never logged, never echoed in a config problem. */
export const secretVariables = [
  'KEEL_ADMIN_KEY',
  'OPENAI_API_KEY',
  'ANTHROPIC_API_KEY',
  'OTEL_EXPORTER_OTLP_HEADERS',
  'KEEL_VARIANTS_WEBHOOK_SECRET',
] as const;
