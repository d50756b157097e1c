// What `keel --help` and `keel <command> --help` print, and the usage lines the commands repeat in their errors.
// Kept apart from the commands themselves so that help, --version and a usage error load no command: `cli.ts`
// imports a command only once it runs it.
// The tenant's own file, not platform/http's index: that one loads Fastify.
import { DEFAULT_TENANT_ID } from '../platform/http/tenant.ts';

export const CONNECTION_USAGE =
  '[--url <keel url>] [--key <api key>] [--max-attempts <n>] [--retry-seconds <s>]';
export const CONNECTION_DETAILS =
  'Where Keel is: --url, else KEEL_URL, else http://HOST:PORT read from the same settings `keel serve` reads (loopback when HOST binds every address). --key defaults to KEEL_ADMIN_KEY. A busy or restarting Keel is waited for: refusals (429, 503) and failed connections are retried with exponential backoff and jitter, honouring Retry-After, up to --max-attempts tries (KEEL_CLI_MAX_ATTEMPTS, default 8) and --retry-seconds per request (KEEL_CLI_RETRY_SECONDS, default 120). A connection that broke after a request may have reached Keel is retried only when sending it again is harmless (reads, uploads: Keel dedupes them by content).';
export const EVAL_USAGE = `keel eval import <file.jsonl> --dataset <name> [--capability <name>]
       keel eval run <dataset> [--capability <name>] --variants <a,b,...> [--scorer <name>[=<json options>]]...
                     [--concurrency <n>] [--version <n>] [--fail-under <metric>=<value>]... [--gate-variant <name>]
                     [--baseline <run id>] [--fail-on-regression] [--report <file.html>] [--json]
       keel eval compare <baseline run> [<candidate run>] [--baseline-variant <name>] [--variant <name>]
                     [--fail-on-regression] [--report <file.html>] [--json]
       (every form also takes ${CONNECTION_USAGE})`;
export const EVAL_DETAILS = `Talks to a running Keel over HTTP (like keel ingest). import: reads a JSONL file (one {"input", "expected"?, "reference"?, "metadata"?} per line), creates the dataset when missing (then --capability is needed) and adds the lines as its next version, in batches of 500; a line that breaks the capability's input schema is reported with its line number and nothing of that batch is added. run: starts an eval run of the dataset (name or id) with one or more variants (local, an alias, or provider:model), shows a progress bar on stderr, then a table per variant (mean and 95% interval of each metric, errors, latency, tokens, cost). Default scorers: exact and schema-valid. --fail-under metric=value exits 1 when a variant's mean of that metric is below value (every variant, or --gate-variant). --baseline compares with an earlier run (same dataset) and --fail-on-regression exits 1 if any item regressed. compare: the item-by-item comparison of two runs (or of two variants of one run). --report writes a self-contained HTML report with charts. Exit codes: 0 passed, 1 a gate failed, the run failed or Keel could not be reached, 2 usage. A key with evals:read, evals:write and the capability's scope is enough. ${CONNECTION_DETAILS} Adding a batch of items and starting a run are not sent again after a connection broke mid-request (that could add the batch, or start the run, twice): the command stops and says so.`;
export const EXPORT_USAGE = 'keel export --output <file.jsonl | -> [--tenant <id>]';
export const EXPORT_DETAILS =
  'Writes a portable JSON-lines file (a versioned header, one line per row, a trailer with row counts) of API keys (their scrypt hashes only: Keel never holds a key secret), collections with their documents, stored bytes, chunks, BM25 statistics and embeddings, and eval datasets where they exist, from the configured database (DATABASE_URL, or the embedded one in KEEL_DATA_DIR; stop `keel serve` on an embedded data directory first). Jobs, request logs and model calls are not exported. --output - writes to stdout. --tenant limits the export to one tenant.';
export const IMPORT_USAGE = 'keel import <file.jsonl>';
export const IMPORT_DETAILS =
  'Reads a file written by `keel export` into the configured database, migrating it first, in one transaction: all of it or nothing. Rows already present (same id, or a collection name already taken in the tenant) are skipped and counted, so an import can be repeated. Embeddings are skipped, and counted, when the target PostgreSQL has no pgvector: search there runs lexically. Prints what it imported as JSON.';
export const INGEST_USAGE = `keel ingest <path or glob>... [--collection <name>] [--metadata <json>] [--no-wait]\n                   ${CONNECTION_USAGE}`;
export const INGEST_DETAILS = `Uploads files (PDF, DOCX, HTML, Markdown, text, JSON) to a running Keel and waits while it ingests them, with a progress bar on stderr. Directories are read recursively; globs ("docs/**/*.md") are expanded. The collection (default "default") is created when missing. Each file succeeds or fails on its own: a file Keel cannot read is reported with its problem code and the rest go on; the same bytes again are skipped as duplicates. At the end it prints one line per file (ready, duplicate, failed with the reason; accepted with --no-wait) and the counts. If Keel still refuses an upload, or stops answering, once retrying is over, the files not yet sent are reported failed ("not uploaded") and no more are sent: run the command again, what is already there is skipped. Exit code 0 when no file failed, 1 when some failed for good (or Keel cannot be reached), 2 usage. ${CONNECTION_DETAILS}`;
export const JOBS_USAGE = `keel jobs list [--status <status>] [--capability <name>] [--tenant <id>] [--limit <n>] [--json]
       keel jobs show <job id> [--tenant <id>] [--events] [--json]
       keel jobs retry <job id> [--tenant <id>]
       keel jobs cancel <job id> [--tenant <id>]`;
export const JOBS_DETAILS = `Reads and manages jobs in the configured database (DATABASE_URL, or the embedded one in KEEL_DATA_DIR while no keel serve holds it), like GET /v1/jobs, POST /v1/jobs/{id}/retry and /cancel. "list --status failed" is the dead-letter list; "retry" queues a failed job again with a fresh attempt budget. "cancel" stops a queued job at once and tells the worker running a running one to abort it. --tenant defaults to "${DEFAULT_TENANT_ID}".`;
export const KEYS_USAGE = `keel keys create --name <name> --scopes <scope,...> [--tenant <id>] [--expires-in <n>d|h] [--rpm <n>] [--tpm <n>] [--streams <n>] [--budget-usd <usd> [--budget-period day|month]] [--webhook-url <url> --webhook-secret-file <path>] [--guardrails <policy,...>] [--json]
       keel keys list [--tenant <id>] [--json]
       keel keys revoke <key id>`;
export const KEYS_DETAILS = `Manages API keys in the configured database (DATABASE_URL, or the embedded one in KEEL_DATA_DIR), the same keys POST/GET/DELETE /v1/admin/keys manage. "create" prints the token once: Keel stores only its scrypt hash. Scopes: admin, capability:<name> or capability:*, documents:read, documents:write, jobs:read, jobs:write, requests:read, metrics:read. Running servers refuse a revoked key within 5 seconds. --webhook-url sets the key's default job webhook (jobs created with the key and without their own webhook report there), signed with the secret read from --webhook-secret-file (at least 24 characters; a file keeps it out of shell history and process lists). --guardrails adds guardrail policies (built-in or from keel.config.ts) to every call made with the key; it never removes a capability's own (docs/guardrails.md).`;
export const VARIANTS_USAGE = `keel variants list <capability>
       keel variants create <capability> [--model <alias|provider:model>] [--instructions <text> | --instructions-file <file>]
                     [--setting <name>=<json>]... [--description <text>]
       keel variants traffic <capability> [--stable <version>] [--canary <version> --percent <0-100>]
                     [--shadow <version>[:<sample rate>]]... [--min-samples <n>] [--max-error-increase <0-1>]
                     [--max-latency-ratio <x>] [--no-auto-rollback]
       keel variants compare <capability> [--since-minutes <n>] [--json]
       keel variants promote <capability> [<version>]
       keel variants rollback <capability> [<version>]
       keel variants events <capability>
       (every form also takes ${CONNECTION_USAGE})`;
export const VARIANTS_DETAILS = `Talks to a running Keel over HTTP (the admin API under /v1/admin/capabilities/{name}; an admin key). list: every version of the capability's variants. create: freezes a prompt (instructions), a model and settings as the next version (summarize@3); it serves nothing until traffic names it. traffic: without options shows the policy; with options sets it (options not given keep the stable variant and drop the canary and shadows): --canary with --percent sends that share of subjects (keys, or the keel-subject header) to it, sticky; --shadow runs a version on a sampled share of live calls after the response (default rate 0.1); the automatic rollback thresholds follow. compare: per variant, calls, error and schema-failure rates, latency p95, cost, feedback rating and shadow agreement, with 95% intervals. promote: the canary (or <version>) becomes stable. rollback: the canary leaves traffic, or stable returns to <version> (or to the one before the last promotion). events: promotions and rollbacks, automatic ones with their reason. Exit codes: 0 done, 1 refused or Keel could not be reached, 2 usage. ${CONNECTION_DETAILS} See docs/variants.md.`;

export const COMMANDS = {
  serve: {
    summary: 'Run the API (the default for `npm start`).',
    usage: 'keel serve',
    details:
      'Starts the HTTP API on HOST:PORT (127.0.0.1:8080 by default), on the embedded database in KEEL_DATA_DIR unless DATABASE_URL is set; `keel ingest` and `keel eval` find it at the same HOST:PORT unless --url or KEEL_URL says otherwise. Migrations are applied at start. SIGTERM or SIGINT drains in-flight requests, then exits.',
  },
  migrate: {
    summary: 'Apply pending database migrations, or list them with --status, or test with --check.',
    usage: 'keel migrate [--status] [--check]',
    details:
      'Applies every pending migration to the configured database (DATABASE_URL, or the embedded one in KEEL_DATA_DIR) and prints what it applied; several processes may run it at once, an advisory lock makes one apply each migration. With --status it changes nothing and prints applied and pending migrations; the exit code is 1 when some are pending. With --check it changes nothing, prints only the pending ones, and exits 1 when there are any (for a deploy pipeline: run the migrate-once step first).',
  },
  worker: {
    summary: 'Run job workers (no HTTP): attempts of queued jobs and webhook deliveries.',
    usage: 'keel worker',
    details:
      'Runs KEEL_WORKER_CONCURRENCY job attempts at once from the shared queue, on the database in DATABASE_URL (any number of worker and API processes share it). Migrations are applied at start. SIGTERM or SIGINT stops claiming, lets running attempts finish briefly, hands the rest back to the queue, then exits. On the embedded database, `keel serve` runs workers itself and no other process may open it.',
  },
  jobs: {
    summary: 'List, show, retry or cancel jobs.',
    usage: JOBS_USAGE,
    details: JOBS_DETAILS,
  },
  keys: {
    summary: 'Create, list or revoke API keys.',
    usage: KEYS_USAGE,
    details: KEYS_DETAILS,
  },
  ingest: {
    summary:
      'Upload files or globs to a running Keel (waiting out a busy one) and wait for their ingestion; report each file.',
    usage: INGEST_USAGE,
    details: INGEST_DETAILS,
  },
  eval: {
    summary: 'Import eval datasets, run and compare evals against a running Keel; gate CI with --fail-under.',
    usage: EVAL_USAGE,
    details: EVAL_DETAILS,
  },
  variants: {
    summary:
      'Create capability variants, set canary and shadow traffic, compare them live, promote or roll back.',
    usage: VARIANTS_USAGE,
    details: VARIANTS_DETAILS,
  },
  export: {
    summary: 'Write collections, documents, chunks, API keys (hashes) and datasets to a portable file.',
    usage: EXPORT_USAGE,
    details: EXPORT_DETAILS,
  },
  import: {
    summary: 'Read a `keel export` file into the configured database (embedded to PostgreSQL, say).',
    usage: IMPORT_USAGE,
    details: IMPORT_DETAILS,
  },
} as const;

export type CommandName = keyof typeof COMMANDS;
