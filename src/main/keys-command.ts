import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import pino from 'pino';
import type { KeelConfig } from '../config/index.ts';
import {
  ApiKeyService,
  type ApiKeyView,
  type KeyWebhook,
  keyWebhookSchema,
  presentKey,
  SCOPE_PATTERN,
  SqlApiKeyStore,
  TENANT_PATTERN,
} from '../modules/auth/index.ts';
import { Guardrails } from '../modules/guardrails/index.ts';
import {
  budgetPeriods,
  type KeyLimits,
  keyLimitsFromJson,
  keyLimitsSchema,
} from '../modules/limits/index.ts';
import { DEFAULT_TENANT_ID } from '../platform/http/index.ts';
import { createLogger } from '../platform/logging/index.ts';
import { KEYS_USAGE } from './cli-commands.ts';
import { buildMigratedDatabase } from './database-builder.ts';
import { runInScope } from './resource-scope.ts';

class UsageError extends Error {}

/** What `keel keys` was asked to do, fully validated before the database is opened. */
type KeysRequest =
  | {
      readonly action: 'create';
      readonly json: boolean;
      readonly key: Parameters<ApiKeyService['create']>[0];
    }
  | { readonly action: 'list'; readonly json: boolean; readonly tenantId: string | undefined }
  | { readonly action: 'revoke'; readonly json: boolean; readonly id: string };

/**
 * `keel keys ...`: returns the exit code (0 ok, 1 failure, 2 usage). Bad usage is refused before the
 * database is opened: at once, and even while a server holds the embedded data directory.
 */
export async function keysCommand(argv: readonly string[], config: KeelConfig): Promise<number> {
  try {
    const request = await parseKeysRequest(argv, new Guardrails({ config: config.guardrails }));
    // Logs go to stderr: stdout carries the command's output (the token, the list).
    const logger = createLogger({ level: 'warn', destination: pino.destination({ dest: 2, sync: true }) });
    return await runInScope(async (scope) => {
      const { database } = await buildMigratedDatabase(scope, config, logger);
      const service = new ApiKeyService({
        store: new SqlApiKeyStore(database.db),
        clock: { now: () => new Date() },
        adminKey: undefined,
        defaultTenantId: DEFAULT_TENANT_ID,
      });
      switch (request.action) {
        case 'create':
          return await create(service, request.key, request.json);
        case 'list':
          return await list(service, request.tenantId, request.json);
        case 'revoke':
          return await revoke(service, request.id, request.json);
      }
    });
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`keel keys: ${(error as Error).message}\n\nUsage: ${KEYS_USAGE}\n`);
      return 2;
    }
    if ((error as { code?: string }).code === 'AUTH_KEY_NOT_FOUND') {
      process.stderr.write(`keel keys: ${(error as Error).message}\n`);
      return 1;
    }
    throw error;
  }
}

async function parseKeysRequest(argv: readonly string[], guardrails: Guardrails): Promise<KeysRequest> {
  const [action, ...rest] = argv;
  if (action !== 'create' && action !== 'list' && action !== 'revoke') {
    throw new UsageError(action === undefined ? 'missing action' : `unknown action "${action}"`);
  }
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    strict: true,
    options: {
      name: { type: 'string' },
      tenant: { type: 'string' },
      scopes: { type: 'string' },
      'expires-in': { type: 'string' },
      rpm: { type: 'string' },
      tpm: { type: 'string' },
      streams: { type: 'string' },
      'budget-usd': { type: 'string' },
      'budget-period': { type: 'string' },
      'webhook-url': { type: 'string' },
      'webhook-secret-file': { type: 'string' },
      guardrails: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const json = values.json === true;
  if (action === 'revoke') {
    const [id, ...extra] = positionals;
    if (!id || extra.length > 0) throw new UsageError('give exactly one key id (key_...)');
    return { action, json, id };
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals.join(' ')}`);
  if (action === 'list') return { action, json, tenantId: text(values.tenant) };
  const name = text(values.name)?.trim();
  if (!name) throw new UsageError('--name is required');
  const scopes = (text(values.scopes) ?? '')
    .split(',')
    .map((scope) => scope.trim())
    .filter(Boolean);
  if (scopes.length === 0)
    throw new UsageError('--scopes is required (for example capability:*,requests:read)');
  const invalid = scopes.filter((scope) => !SCOPE_PATTERN.test(scope));
  if (invalid.length > 0) throw new UsageError(`not a scope: ${invalid.join(', ')}`);
  const tenantId = text(values.tenant) ?? DEFAULT_TENANT_ID;
  if (!TENANT_PATTERN.test(tenantId)) throw new UsageError(`not a tenant id: ${tenantId}`);
  const expiresAt = expiry(text(values['expires-in']));
  const limits = limitsFrom(values);
  const webhook = await webhookFrom(values);
  const policies = (text(values.guardrails) ?? '')
    .split(',')
    .map((policy) => policy.trim())
    .filter(Boolean);
  const unknown = policies.filter((policy) => !guardrails.has(policy));
  if (unknown.length > 0) {
    throw new UsageError(
      `unknown guardrail policies: ${unknown.join(', ')} (known: ${guardrails.names().join(', ')})`,
    );
  }
  return {
    action,
    json,
    key: {
      name,
      tenantId,
      scopes,
      expiresAt,
      limits,
      webhook,
      ...(policies.length > 0 ? { guardrails: policies } : {}),
    },
  };
}

type Values = Record<string, string | boolean | undefined>;

async function create(
  service: ApiKeyService,
  input: Parameters<ApiKeyService['create']>[0],
  json: boolean,
): Promise<number> {
  const { key, token } = await service.create(input);
  if (json) {
    process.stdout.write(`${JSON.stringify({ key: presentKey(key, new Date()), token }, null, 2)}\n`);
  } else {
    process.stdout.write(
      `created ${key.id} "${key.name}" for tenant ${key.tenantId} with ${key.scopes.join(', ')}${
        key.expiresAt ? `, expiring ${key.expiresAt.toISOString()}` : ''
      }\n\ntoken (shown once; Keel keeps only its hash):\n${token}\n`,
    );
  }
  return 0;
}

async function list(service: ApiKeyService, tenantId: string | undefined, json: boolean): Promise<number> {
  const keys: ApiKeyView[] = [];
  let cursor: string | undefined;
  do {
    const page = await service.list({
      limit: 200,
      ...(tenantId ? { tenantId } : {}),
      ...(cursor ? { cursor } : {}),
    });
    keys.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  const now = new Date();
  const shown = keys.map((key) => presentKey(key, now));
  if (json) {
    process.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
    return 0;
  }
  if (shown.length === 0) {
    process.stdout.write('no keys\n');
    return 0;
  }
  const rows = shown.map((key) => [
    key.id,
    key.status,
    key.tenant_id,
    key.name,
    key.scopes.join(','),
    key.expires_at ?? '-',
    key.last_used_at ?? 'never',
  ]);
  const header = ['id', 'status', 'tenant', 'name', 'scopes', 'expires', 'last used'];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  process.stdout.write(`${[line(header), ...rows.map(line)].join('\n')}\n`);
  return 0;
}

async function revoke(service: ApiKeyService, id: string, json: boolean): Promise<number> {
  const key = await service.revoke(id);
  process.stdout.write(
    json ? `${JSON.stringify(presentKey(key, new Date()), null, 2)}\n` : `revoked ${key.id} "${key.name}"\n`,
  );
  return 0;
}

function text(value: string | boolean | undefined): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function expiry(value: string | undefined): Date | null {
  if (value === undefined) return null;
  const match = /^(\d+)([dh])$/.exec(value);
  if (!match) throw new UsageError(`--expires-in takes <n>d or <n>h, not "${value}"`);
  const hours = Number(match[1]) * (match[2] === 'd' ? 24 : 1);
  if (hours <= 0) throw new UsageError('--expires-in must be positive');
  return new Date(Date.now() + hours * 3_600_000);
}

function limitsFrom(values: Values): KeyLimits {
  const number = (name: string) => {
    const raw = text(values[name]);
    if (raw === undefined) return undefined;
    const parsed = Number(raw);
    if (!Number.isFinite(parsed)) throw new UsageError(`--${name} takes a number, not "${raw}"`);
    return parsed;
  };
  const budgetUsd = number('budget-usd');
  const period = text(values['budget-period']) ?? 'month';
  if (!(budgetPeriods as readonly string[]).includes(period)) {
    throw new UsageError(`--budget-period takes ${budgetPeriods.join(' or ')}`);
  }
  const candidate = {
    requests_per_minute: number('rpm'),
    tokens_per_minute: number('tpm'),
    concurrent_streams: number('streams'),
    ...(budgetUsd === undefined ? {} : { budget: { usd: budgetUsd, period } }),
  };
  const parsed = keyLimitsSchema.safeParse(
    Object.fromEntries(Object.entries(candidate).filter(([, value]) => value !== undefined)),
  );
  if (!parsed.success) {
    throw new UsageError(
      parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '),
    );
  }
  return keyLimitsFromJson(parsed.data);
}

async function webhookFrom(values: Values): Promise<KeyWebhook | null> {
  const url = text(values['webhook-url']);
  const secretFile = text(values['webhook-secret-file']);
  if (url === undefined && secretFile === undefined) return null;
  if (url === undefined || secretFile === undefined) {
    throw new UsageError('--webhook-url and --webhook-secret-file go together');
  }
  let secret: string;
  try {
    secret = (await readFile(secretFile, 'utf8')).trim();
  } catch (error) {
    throw new UsageError(`cannot read --webhook-secret-file: ${(error as Error).message}`);
  }
  const parsed = keyWebhookSchema.safeParse({ url, secret });
  if (!parsed.success) {
    throw new UsageError(
      `invalid webhook: ${parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}
