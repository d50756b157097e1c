// Keys and usage (admin): create and revoke keys with limits, and usage and spend charts from the request log.
import { useEffect, useState } from 'preact/hooks';
import type { components } from '../../../src/client/index.ts';
import { asProblem, keel, type Problem } from '../api.ts';
import { BarChart, groupSum } from '../charts.tsx';
import { CopyButton, formatTime, Loading, ProblemView, StatusBadge, Table } from '../components.tsx';

type ApiKey = components['schemas']['ApiKey'];
type RequestRecord = components['schemas']['RequestRecord'];

export function Keys() {
  const [keys, setKeys] = useState<ApiKey[] | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [created, setCreated] = useState<string | null>(null);
  const [form, setForm] = useState({
    name: '',
    tenantId: 'default',
    scopes: 'capability:*\njobs:read',
    requestsPerMinute: '',
  });

  const load = async () => {
    const { data, error } = await keel().GET('/v1/admin/keys', { params: { query: { limit: 100 } } });
    setKeys(data?.items ?? null);
    if (error) setProblem(asProblem(error));
  };
  useEffect(() => {
    void load();
    // New keys default to the signed-in key's tenant.
    void keel()
      .GET('/v1/me')
      .then(({ data }) => {
        if (data?.tenant_id)
          setForm((current) => ({ ...current, tenantId: data.tenant_id ?? current.tenantId }));
      });
  }, []);

  const create = async (event: Event) => {
    event.preventDefault();
    const rpm = Number(form.requestsPerMinute);
    const { data, error } = await keel().POST('/v1/admin/keys', {
      body: {
        name: form.name,
        tenant_id: form.tenantId,
        scopes: form.scopes.split(/[\s,]+/).filter(Boolean),
        ...(form.requestsPerMinute.trim() !== '' ? { limits: { requests_per_minute: rpm } } : {}),
      },
    });
    setProblem(error ? asProblem(error) : null);
    if (data) {
      setCreated(data.token);
      await load();
    }
  };

  const revoke = async (key: ApiKey) => {
    if (!confirm(`Revoke ${key.name} (${key.id})? Calls with it fail at once.`)) return;
    const { error } = await keel().DELETE('/v1/admin/keys/{id}', { params: { path: { id: key.id } } });
    setProblem(error ? asProblem(error) : null);
    await load();
  };

  return (
    <section aria-labelledby="keys-title">
      <h1 id="keys-title">Keys and usage</h1>
      <ProblemView problem={problem} />
      <form class="panel" onSubmit={create}>
        <h2>Create a key</h2>
        <div class="row">
          <div class="field">
            <label for="key-name">Name</label>
            <input
              id="key-name"
              required
              value={form.name}
              onInput={(event) => setForm({ ...form, name: event.currentTarget.value })}
            />
          </div>
          <div class="field">
            <label for="key-tenant">Tenant</label>
            <input
              id="key-tenant"
              required
              value={form.tenantId}
              onInput={(event) => setForm({ ...form, tenantId: event.currentTarget.value })}
            />
          </div>
          <div class="field">
            <label for="key-rpm">Requests per minute</label>
            <input
              id="key-rpm"
              type="number"
              min={1}
              value={form.requestsPerMinute}
              placeholder="deployment default"
              onInput={(event) => setForm({ ...form, requestsPerMinute: event.currentTarget.value })}
            />
          </div>
        </div>
        <div class="field">
          <label for="key-scopes">Scopes (one per line)</label>
          <textarea
            id="key-scopes"
            rows={3}
            class="mono"
            value={form.scopes}
            onInput={(event) => setForm({ ...form, scopes: event.currentTarget.value })}
          />
          <small class="help">
            admin, capability:&lt;name&gt; or capability:*, documents:read, documents:write, jobs:read,
            jobs:write, requests:read, usage:read, models:read, feedback:write, evals:read…
          </small>
        </div>
        <button type="submit">Create key</button>
        {created ? (
          <div class="notice" role="status">
            <p>
              The new key, shown once: <code data-testid="new-key">{created}</code>
            </p>
            <CopyButton text={created} label="Copy key" />
          </div>
        ) : null}
      </form>
      {keys === null && !problem ? <Loading /> : null}
      {keys ? (
        <Table
          caption="API keys"
          columns={['Name', 'Id', 'Tenant', 'Scopes', 'Limits', 'Status', 'Last used', { hidden: 'Actions' }]}
        >
          {keys.map((key) => (
            <tr key={key.id}>
              <td>{key.name}</td>
              <td>
                <code>{key.id}</code>
              </td>
              <td>{key.tenant_id}</td>
              <td>{key.scopes.join(', ')}</td>
              <td>{Object.keys(key.limits).length === 0 ? 'defaults' : JSON.stringify(key.limits)}</td>
              <td>
                <StatusBadge status={key.status} />
              </td>
              <td>{formatTime(key.last_used_at)}</td>
              <td>
                {key.status === 'active' ? (
                  <button
                    type="button"
                    class="danger"
                    onClick={() => revoke(key)}
                    aria-label={`Revoke ${key.name}`}
                  >
                    Revoke
                  </button>
                ) : null}
              </td>
            </tr>
          ))}
        </Table>
      ) : null}
      <Usage />
    </section>
  );
}

function Usage() {
  const [records, setRecords] = useState<RequestRecord[] | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  useEffect(() => {
    void (async () => {
      const { data, error } = await keel().GET('/v1/requests', { params: { query: { limit: 200 } } });
      setRecords(data?.items ?? null);
      setProblem(error ? asProblem(error) : null);
    })();
  }, []);
  const routeOf = (record: RequestRecord) => record.capability ?? record.route ?? 'other';
  const dayOf = (record: RequestRecord) => record.created_at.slice(0, 10);
  return (
    <section aria-labelledby="usage-title">
      <h2 id="usage-title">Usage (last 200 requests of your tenant)</h2>
      <ProblemView problem={problem} />
      {records === null && !problem ? <Loading /> : null}
      {records ? (
        <div class="charts">
          <BarChart
            title="Requests by capability or route"
            bars={groupSum(records, routeOf, () => 1).slice(0, 12)}
            testId="chart-requests"
          />
          <BarChart
            title="Tokens by capability"
            bars={groupSum(
              records.filter((record) => record.capability),
              routeOf,
              (record) => record.input_tokens + record.output_tokens,
            )}
          />
          <BarChart
            title="Spend by day (USD)"
            bars={groupSum(records, dayOf, (record) => record.cost_usd).sort((a, b) =>
              a.label.localeCompare(b.label),
            )}
            format={(value) => `$${value.toFixed(4)}`}
          />
        </div>
      ) : null}
    </section>
  );
}
