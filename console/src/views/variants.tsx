// Variants: per capability, the traffic policy, the versions, the live comparison (error and schema-failure
// rates, latency p95, rating, shadow agreement, refreshed every few seconds), the events, and the promote
// and rollback buttons (POST /v1/admin/capabilities/{name}/promote|rollback).
import { useEffect, useState } from 'preact/hooks';
import { asProblem, call, type Problem } from '../api.ts';
import { BarChart } from '../charts.tsx';
import { formatTime, Loading, ProblemView, Table } from '../components.tsx';
import { navigate } from '../router.ts';
import { capabilitiesOf } from './playground.tsx';

interface Metric {
  n: number;
  mean: number | null;
  ci95: [number, number] | null;
}
interface Statistics {
  variant: string | null;
  role: 'stable' | 'canary' | 'shadow';
  calls: number;
  error_rate: Metric;
  schema_failure_rate: Metric;
  latency_p95_ms: number | null;
  cost_usd: Metric;
  rating: Metric;
  agreement: Metric;
}
interface Policy {
  stable: string | null;
  canary: { variant: string; percent: number } | null;
  shadows: Array<{ variant: string; sample_rate: number; max_per_minute: number }>;
  revision: number;
}
interface Comparison {
  policy: Policy;
  variants: Statistics[];
}
interface Variant {
  id: string;
  model: string | null;
  instructions: string | null;
  description: string | null;
  created_at: string;
}
interface VariantEvent {
  id: string;
  type: string;
  variant: string | null;
  details: { summary?: string };
  webhook: string;
  created_at: string;
}

async function get<T>(path: string): Promise<T> {
  const exchange = await call('GET', path);
  if (exchange.status !== 200) throw asProblem(exchange.body);
  return exchange.body as T;
}

function interval(metric: Metric, digits = 2): string {
  if (metric.mean === null) return '–';
  const bounds = metric.ci95 ? ` [${metric.ci95[0].toFixed(digits)}, ${metric.ci95[1].toFixed(digits)}]` : '';
  return `${metric.mean.toFixed(digits)}${bounds}`;
}

const label = (row: Statistics) => `${row.variant ?? 'as coded'} (${row.role})`;

export function Variants(props: { readonly capability?: string }) {
  const [capabilities, setCapabilities] = useState<string[]>([]);
  useEffect(() => {
    // The capabilities are the reference's `Capabilities` routes, as the Playground lists them.
    call('GET', '/openapi.json')
      .then((exchange) =>
        setCapabilities(
          capabilitiesOf(exchange.body as Parameters<typeof capabilitiesOf>[0]).map((each) => each.name),
        ),
      )
      .catch(() => undefined);
  }, []);
  const name = props.capability ?? capabilities[0] ?? '';
  const base = `/v1/admin/capabilities/${encodeURIComponent(name)}`;
  const [comparison, setComparison] = useState<Comparison | null>(null);
  const [variants, setVariants] = useState<Variant[] | null>(null);
  const [events, setEvents] = useState<VariantEvent[] | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const [tick, setTick] = useState(0);
  const [draft, setDraft] = useState({ model: '', instructions: '', description: '' });
  const [canary, setCanary] = useState({ version: '', percent: '10' });

  useEffect(() => {
    if (name === '') return;
    let live = true;
    const load = async () => {
      try {
        const [compared, listed, happened] = await Promise.all([
          get<Comparison>(`${base}/comparison?since_minutes=60`),
          get<{ items: Variant[] }>(`${base}/variants`),
          get<{ items: VariantEvent[] }>(`${base}/variant-events?limit=20`),
        ]);
        if (!live) return;
        setComparison(compared);
        setVariants(listed.items);
        setEvents(happened.items);
        setProblem(null);
      } catch (error) {
        if (live) setProblem(asProblem(error));
      }
    };
    void load();
    // Live: the comparison moves with traffic, and an automatic rollback can happen at any moment.
    const timer = setInterval(() => void load(), 5_000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [base, tick]);

  const send = async (method: 'POST' | 'PUT', path: string, body: unknown) => {
    setBusy(true);
    try {
      const exchange = await call(method, `${base}${path}`, body);
      if (exchange.status !== 200 && exchange.status !== 201) throw asProblem(exchange.body);
      setTick((value) => value + 1);
      return true;
    } catch (error) {
      setProblem(asProblem(error));
      return false;
    } finally {
      setBusy(false);
    }
  };

  const create = async (event: Event) => {
    event.preventDefault();
    const made = await send('POST', '/variants', {
      model: draft.model.trim() || null,
      instructions: draft.instructions.trim() || null,
      description: draft.description.trim() || null,
    });
    if (made) setDraft({ model: '', instructions: '', description: '' });
  };

  const startCanary = async (event: Event) => {
    event.preventDefault();
    const current = comparison?.policy;
    const stable = current?.stable ? Number(current.stable.split('@')[1]) : null;
    await send('PUT', '/traffic', {
      stable,
      canary: { version: Number(canary.version), percent: Number(canary.percent) },
      // Shadows stay as they are (except the version that becomes the canary).
      shadows: (current?.shadows ?? [])
        .map((shadow) => ({
          version: Number(shadow.variant.split('@')[1]),
          sample_rate: shadow.sample_rate,
          max_per_minute: shadow.max_per_minute,
        }))
        .filter((shadow) => shadow.version !== Number(canary.version)),
      revision: current?.revision ?? 0,
    });
  };

  const act = (action: 'promote' | 'rollback') => send('POST', `/${action}`, {});

  const policy = comparison?.policy;
  const rows = comparison?.variants ?? [];
  return (
    <section aria-labelledby="variants-title">
      <h1 id="variants-title">Variants</h1>
      <label>
        Capability{' '}
        <select
          value={name}
          onChange={(event) => navigate(`/variants/${(event.target as HTMLSelectElement).value}`)}
        >
          {capabilities.map((capability) => (
            <option key={capability} value={capability}>
              {capability}
            </option>
          ))}
        </select>
      </label>
      <ProblemView problem={problem} />
      {comparison === null && !problem ? <Loading /> : null}
      {policy ? (
        <div data-testid="variant-policy">
          <p>
            Stable <strong>{policy.stable ?? 'the capability as coded'}</strong>
            {policy.canary ? (
              <>
                {' '}
                · canary <strong>{policy.canary.variant}</strong> at {policy.canary.percent}%
              </>
            ) : null}
            {policy.shadows.map((shadow) => (
              <span key={shadow.variant}>
                {' '}
                · shadow {shadow.variant} ({Math.round(shadow.sample_rate * 100)}% of calls)
              </span>
            ))}{' '}
            <span class="muted">revision {policy.revision}</span>
          </p>
          <p>
            <button
              type="button"
              disabled={busy || policy.canary === null}
              onClick={() => void act('promote')}
            >
              Promote the canary
            </button>{' '}
            <button
              type="button"
              class="secondary"
              disabled={busy || policy.revision === 0}
              onClick={() => void act('rollback')}
            >
              Roll back
            </button>
          </p>
        </div>
      ) : null}
      {rows.length > 0 ? (
        <>
          <BarChart
            title="Error rate (schema failures included), last hour"
            bars={rows.map((row) => ({ label: label(row), value: row.error_rate.mean ?? 0 }))}
            format={(value) => `${(value * 100).toFixed(1)}%`}
            testId="variants-error-chart"
          />
          <BarChart
            title="Latency p95 (ms), last hour"
            bars={rows.map((row) => ({ label: label(row), value: Math.round(row.latency_p95_ms ?? 0) }))}
          />
          <Table
            caption="Live comparison, last hour (means with 95% intervals)"
            columns={[
              'Variant',
              'Role',
              'Calls',
              'Error rate',
              'Schema failures',
              'p95 ms',
              'Cost $',
              'Rating',
              'Agreement',
            ]}
            showCaption
          >
            {rows.map((row) => (
              <tr key={label(row)}>
                <td>{row.variant ?? 'as coded'}</td>
                <td>{row.role}</td>
                <td>{row.calls}</td>
                <td>{interval(row.error_rate)}</td>
                <td>{interval(row.schema_failure_rate)}</td>
                <td>{row.latency_p95_ms === null ? '–' : Math.round(row.latency_p95_ms)}</td>
                <td>{row.cost_usd.mean === null ? '–' : row.cost_usd.mean.toFixed(5)}</td>
                <td>{interval(row.rating)}</td>
                <td>{interval(row.agreement)}</td>
              </tr>
            ))}
          </Table>
        </>
      ) : comparison ? (
        <p>No routed calls in the last hour.</p>
      ) : null}
      <h2>Versions</h2>
      {variants?.length === 0 ? <p>No variants yet (keel variants create {name} …).</p> : null}
      <ul class="plain">
        {(variants ?? []).map((variant) => (
          <li key={variant.id}>
            <strong>{variant.id}</strong> <span class="muted">model {variant.model ?? '(route)'}</span>
            {variant.description ? ` — ${variant.description}` : ''}
          </li>
        ))}
      </ul>
      <form class="panel" onSubmit={create}>
        <h2>New version</h2>
        <div class="row">
          <div class="field">
            <label for="variant-model">Model</label>
            <input
              id="variant-model"
              placeholder="alias or provider:model (empty: the route)"
              value={draft.model}
              onInput={(event) => setDraft({ ...draft, model: event.currentTarget.value })}
            />
          </div>
          <div class="field">
            <label for="variant-description">Description</label>
            <input
              id="variant-description"
              value={draft.description}
              onInput={(event) => setDraft({ ...draft, description: event.currentTarget.value })}
            />
          </div>
        </div>
        <div class="field">
          <label for="variant-instructions">Instructions (system prompt)</label>
          <textarea
            id="variant-instructions"
            rows={3}
            value={draft.instructions}
            onInput={(event) => setDraft({ ...draft, instructions: event.currentTarget.value })}
          />
        </div>
        <button type="submit" disabled={busy}>
          Create version
        </button>
      </form>
      <form class="panel" onSubmit={startCanary}>
        <h2>Canary</h2>
        <p class="help">
          Keeps the stable version and the shadows; replaces the canary. Automatic rollback watches it.
        </p>
        <div class="row">
          <div class="field">
            <label for="canary-version">Version</label>
            <input
              id="canary-version"
              type="number"
              min={1}
              required
              value={canary.version}
              onInput={(event) => setCanary({ ...canary, version: event.currentTarget.value })}
            />
          </div>
          <div class="field">
            <label for="canary-percent">Percent of subjects</label>
            <input
              id="canary-percent"
              type="number"
              min={0}
              max={100}
              step="any"
              required
              value={canary.percent}
              onInput={(event) => setCanary({ ...canary, percent: event.currentTarget.value })}
            />
          </div>
        </div>
        <button type="submit" disabled={busy || !policy?.stable}>
          Start the canary
        </button>
      </form>
      <h2>Events</h2>
      <ul class="plain" data-testid="variant-events">
        {(events ?? []).map((event) => (
          <li key={event.id}>
            {formatTime(event.created_at)} <strong>{event.type}</strong> {event.variant ?? ''}{' '}
            <span class="muted">
              webhook {event.webhook}
              {event.details.summary ? ` · ${event.details.summary}` : ''}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
