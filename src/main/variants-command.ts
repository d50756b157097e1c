import { readFile } from 'node:fs/promises';
import { type components, type KeelClient, KeelConnectionError } from '../client/index.ts';
import type { KeelConfig } from '../config/index.ts';
import { VARIANTS_USAGE } from './cli-commands.ts';
import {
  CommandFailure,
  type CommandOutput,
  connect,
  describeRetry,
  expectData,
  type HttpCommandOptions,
  noAnswer,
  parseCommandArguments,
  probe,
  resolveConnection,
  UsageError,
} from './cli-http.ts';

type Policy = components['schemas']['TrafficPolicy'];
interface Metric {
  readonly mean: number | null;
  readonly ci95: readonly number[] | null;
}
/** A row of the comparison, as much of it as the table shows. */
interface Statistics {
  readonly variant: string | null;
  readonly role: string;
  readonly calls: number;
  readonly error_rate: Metric;
  readonly schema_failure_rate: Metric;
  readonly latency_p95_ms: number | null;
  readonly cost_usd: Metric;
  readonly rating: Metric;
  readonly agreement: Metric;
}

const ACTIONS = ['list', 'create', 'traffic', 'compare', 'promote', 'rollback', 'events'] as const;
type Action = (typeof ACTIONS)[number];

/** `keel variants ...`: returns the exit code. */
export async function variantsCommand(
  argv: readonly string[],
  config: KeelConfig,
  output: CommandOutput = process,
  options: HttpCommandOptions = {},
): Promise<number> {
  const [action, ...rest] = argv;
  let parsed: ReturnType<typeof parse>;
  try {
    if (!ACTIONS.includes(action as Action)) {
      throw new UsageError(
        action === undefined ? `give an action: ${ACTIONS.join(', ')}` : `unknown action "${action}"`,
      );
    }
    parsed = parse(rest, config);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    output.stderr.write(`keel variants: ${error.message}\n\nUsage: ${VARIANTS_USAGE}\n`);
    return 2;
  }
  const { connection } = parsed;
  const onRetry = (notice: Parameters<typeof describeRetry>[0]) =>
    output.stderr.write(`keel variants: ${describeRetry(notice)}\n`);
  const unavailable = await probe(connection, options, onRetry);
  if (unavailable !== undefined) {
    output.stderr.write(`keel variants: ${unavailable}\n`);
    return 1;
  }
  const client = connect(connection, options, onRetry);
  try {
    await run(action as Action, client, parsed, output);
    return 0;
  } catch (error) {
    const message =
      error instanceof KeelConnectionError
        ? noAnswer(connection, error)
        : error instanceof UsageError || error instanceof CommandFailure
          ? error.message
          : undefined;
    if (message === undefined) throw error;
    output.stderr.write(`keel variants ${action}: ${message}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}

function parse(argv: readonly string[], config: KeelConfig) {
  const { values, positionals } = parseCommandArguments(argv, {
    model: { type: 'string' },
    instructions: { type: 'string' },
    'instructions-file': { type: 'string' },
    setting: { type: 'string', multiple: true },
    description: { type: 'string' },
    stable: { type: 'string' },
    canary: { type: 'string' },
    percent: { type: 'string' },
    shadow: { type: 'string', multiple: true },
    'min-samples': { type: 'string' },
    'max-error-increase': { type: 'string' },
    'max-latency-ratio': { type: 'string' },
    'no-auto-rollback': { type: 'boolean' },
    'since-minutes': { type: 'string' },
    json: { type: 'boolean' },
  });
  const [capability, version, ...extra] = positionals;
  if (capability === undefined) throw new UsageError('name the capability');
  if (extra.length > 0) throw new UsageError(`unexpected argument ${extra.join(' ')}`);
  return {
    capability,
    version: version === undefined ? undefined : integer(version, '<version>'),
    values,
    connection: resolveConnection(values, config),
  };
}

function integer(raw: string, name: string): number {
  if (!/^\d+$/.test(raw) || Number(raw) < 1)
    throw new UsageError(`${name} takes a whole number of at least 1, not "${raw}"`);
  return Number(raw);
}

function fraction(raw: string, name: string, max = 1): number {
  const value = Number(raw);
  if (raw === '' || !Number.isFinite(value) || value < 0 || value > max)
    throw new UsageError(`${name} takes a number from 0 to ${max}`);
  return value;
}

async function run(
  action: Action,
  client: KeelClient,
  parsed: ReturnType<typeof parse>,
  output: CommandOutput,
): Promise<void> {
  const { capability, values } = parsed;
  const path = { params: { path: { name: capability } } };
  const print = (text: string) => output.stdout.write(`${text}\n`);
  switch (action) {
    case 'list': {
      const list = expectData(
        await client.GET('/v1/admin/capabilities/{name}/variants', path),
        'listing variants',
      );
      if (list.items.length === 0)
        print(`${capability} has no variants yet (keel variants create ${capability} ...)`);
      for (const variant of list.items) {
        print(
          `${variant.id}  model ${variant.model ?? '(route)'}  ${variant.instructions ? `instructions ${JSON.stringify(variant.instructions.slice(0, 60))}` : 'no instructions'}  ${variant.source}  ${variant.created_at}${variant.description ? `  ${variant.description}` : ''}`,
        );
      }
      return;
    }
    case 'create': {
      const file = values['instructions-file'];
      const instructions =
        typeof file === 'string' ? await readFile(file, 'utf8') : (values.instructions as string | undefined);
      const settings: Record<string, unknown> = {};
      for (const entry of (values.setting as string[] | undefined) ?? []) {
        const separator = entry.indexOf('=');
        if (separator < 1) throw new UsageError(`--setting takes name=value, not "${entry}"`);
        const raw = entry.slice(separator + 1);
        let value: unknown = raw;
        try {
          value = JSON.parse(raw);
        } catch {
          // A bare word is a string setting.
        }
        settings[entry.slice(0, separator)] = value;
      }
      const created = expectData(
        await client.POST('/v1/admin/capabilities/{name}/variants', {
          ...path,
          body: {
            instructions: instructions ?? null,
            model: (values.model as string | undefined) ?? null,
            settings,
            description: (values.description as string | undefined) ?? null,
          },
        }),
        'creating the variant',
      );
      print(
        `created ${created.id} (it serves nothing until: keel variants traffic ${capability} --canary ${created.version} --percent 10)`,
      );
      return;
    }
    case 'traffic': {
      const current = expectData(
        await client.GET('/v1/admin/capabilities/{name}/traffic', path),
        'reading the policy',
      );
      const changing = [
        'stable',
        'canary',
        'shadow',
        'min-samples',
        'max-error-increase',
        'max-latency-ratio',
        'no-auto-rollback',
      ].some((name) => values[name] !== undefined);
      if (!changing) {
        print(describePolicy(current));
        return;
      }
      if ((values.canary === undefined) !== (values.percent === undefined))
        throw new UsageError('--canary and --percent go together');
      const versionOf = (id: string | null) => (id === null ? null : Number(id.split('@')[1]));
      const shadows = ((values.shadow as string[] | undefined) ?? []).map((spec) => {
        const [version = '', rate] = spec.split(':');
        return {
          version: integer(version, '--shadow'),
          sample_rate: rate === undefined ? 0.1 : fraction(rate, '--shadow rate'),
        };
      });
      const updated = expectData(
        await client.PUT('/v1/admin/capabilities/{name}/traffic', {
          ...path,
          body: {
            stable:
              typeof values.stable === 'string'
                ? integer(values.stable, '--stable')
                : versionOf(current.stable),
            canary:
              typeof values.canary === 'string'
                ? {
                    version: integer(values.canary, '--canary'),
                    percent: fraction(String(values.percent), '--percent', 100),
                  }
                : null,
            shadows: shadows.map((shadow) => ({ ...shadow, max_per_minute: 60 })),
            auto_rollback: {
              ...(values['no-auto-rollback'] === true ? { enabled: false } : {}),
              ...(typeof values['min-samples'] === 'string'
                ? { min_samples: integer(values['min-samples'], '--min-samples') }
                : {}),
              ...(typeof values['max-error-increase'] === 'string'
                ? { max_error_rate_increase: fraction(values['max-error-increase'], '--max-error-increase') }
                : {}),
              ...(typeof values['max-latency-ratio'] === 'string'
                ? { max_latency_p95_ratio: Number(values['max-latency-ratio']) }
                : {}),
            },
            revision: current.revision,
          },
        }),
        'setting the policy',
      );
      print(describePolicy(updated));
      return;
    }
    case 'compare': {
      const since =
        typeof values['since-minutes'] === 'string'
          ? integer(values['since-minutes'], '--since-minutes')
          : 1_440;
      const comparison = expectData(
        await client.GET('/v1/admin/capabilities/{name}/comparison', {
          params: { path: { name: capability }, query: { since_minutes: since } },
        }),
        'reading the comparison',
      );
      if (values.json === true) {
        print(JSON.stringify(comparison, null, 2));
        return;
      }
      print(describePolicy(comparison.policy));
      print(`since ${comparison.since}:`);
      print(
        ['variant', 'role', 'calls', 'errors', 'schema', 'p95 ms', 'cost $', 'rating', 'agreement']
          .map((cell) => cell.padEnd(16))
          .join(''),
      );
      for (const row of comparison.variants) print(statisticsLine(row));
      return;
    }
    case 'promote':
    case 'rollback': {
      const body = parsed.version === undefined ? {} : { version: parsed.version };
      const route =
        action === 'promote'
          ? '/v1/admin/capabilities/{name}/promote'
          : '/v1/admin/capabilities/{name}/rollback';
      const changed = expectData(
        await client.POST(route, { ...path, body }),
        action === 'promote' ? 'promoting' : 'rolling back',
      );
      print(`${changed.event.type} ${changed.event.variant ?? ''}`.trim());
      print(describePolicy(changed.policy));
      return;
    }
    case 'events': {
      const events = expectData(
        await client.GET('/v1/admin/capabilities/{name}/variant-events', path),
        'listing events',
      );
      for (const event of events.items) {
        const why = typeof event.details.summary === 'string' ? `  ${event.details.summary}` : '';
        print(
          `${event.created_at}  ${event.type.padEnd(17)} ${(event.variant ?? '-').padEnd(20)} webhook ${event.webhook}${why}`,
        );
      }
      return;
    }
  }
}

function describePolicy(policy: Policy): string {
  const canary = policy.canary ? `${policy.canary.variant} at ${policy.canary.percent}%` : 'none';
  const shadows =
    policy.shadows.map((shadow) => `${shadow.variant} (${shadow.sample_rate})`).join(', ') || 'none';
  const rollback = policy.auto_rollback.enabled
    ? `after ${policy.auto_rollback.min_samples} calls each, error rate +${policy.auto_rollback.max_error_rate_increase} at ${policy.auto_rollback.confidence}`
    : 'off';
  return `${policy.capability}: stable ${policy.stable ?? '(as coded)'}; canary ${canary}; shadows ${shadows}; automatic rollback ${rollback}; revision ${policy.revision}`;
}

function interval(metric: Metric, digits = 3): string {
  if (metric.mean === null) return '-';
  const [low, high] = metric.ci95 ?? [];
  const bounds =
    low === undefined || high === undefined ? '' : ` [${low.toFixed(digits)}, ${high.toFixed(digits)}]`;
  return `${metric.mean.toFixed(digits)}${bounds}`;
}

function statisticsLine(row: Statistics): string {
  return [
    row.variant ?? '(as coded)',
    row.role,
    String(row.calls),
    interval(row.error_rate, 2),
    interval(row.schema_failure_rate, 2),
    row.latency_p95_ms === null ? '-' : String(Math.round(row.latency_p95_ms)),
    row.cost_usd.mean === null ? '-' : row.cost_usd.mean.toFixed(5),
    interval(row.rating, 2),
    interval(row.agreement, 2),
  ]
    .map((cell) => cell.padEnd(16))
    .join('');
}
