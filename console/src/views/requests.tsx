// Requests: the request log with filters, one request's models, usage, cost and trace id, and its feedback.
import { useEffect, useState } from 'preact/hooks';
import type { components } from '../../../src/client/index.ts';
import { asProblem, call, isConsoleRead, keel, type Problem } from '../api.ts';
import { formatTime, Json, Link, Loading, ProblemView, StatusBadge, Table } from '../components.tsx';

type RequestRecord = components['schemas']['RequestRecord'];
type ModelCall = components['schemas']['ModelCall'];

export function Requests() {
  const [items, setItems] = useState<RequestRecord[] | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [capability, setCapability] = useState('');
  const [outcome, setOutcome] = useState('');
  // The console's own reads are left out unless asked for: they would otherwise fill the log.
  const [showConsoleReads, setShowConsoleReads] = useState(false);
  useEffect(() => {
    const timer = setTimeout(async () => {
      const query = { limit: 100, ...(capability.trim() === '' ? {} : { capability: capability.trim() }) };
      const { data, error } = await keel().GET('/v1/requests', { params: { query } });
      setItems(data?.items ?? null);
      setProblem(error ? asProblem(error) : null);
    }, 250);
    return () => clearTimeout(timer);
  }, [capability]);
  const shown = (items ?? []).filter(
    (item) => (outcome === '' || item.outcome === outcome) && (showConsoleReads || !isConsoleRead(item)),
  );
  const hiddenReads = showConsoleReads ? 0 : (items ?? []).filter(isConsoleRead).length;
  return (
    <section aria-labelledby="requests-title">
      <h1 id="requests-title">Requests</h1>
      <div class="row">
        <div class="field">
          <label for="filter-capability">Capability</label>
          <input
            id="filter-capability"
            value={capability}
            placeholder="any"
            onInput={(event) => setCapability(event.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for="filter-outcome">Outcome</label>
          <select
            id="filter-outcome"
            value={outcome}
            onChange={(event) => setOutcome(event.currentTarget.value)}
          >
            <option value="">any</option>
            <option>succeeded</option>
            <option>failed</option>
            <option>aborted</option>
          </select>
        </div>
        <div class="field" style={{ justifyContent: 'flex-end' }}>
          <label class="inline" for="filter-console-reads">
            <input
              id="filter-console-reads"
              type="checkbox"
              checked={showConsoleReads}
              onChange={(event) => setShowConsoleReads(event.currentTarget.checked)}
            />
            Show the console's own GET requests
          </label>
        </div>
      </div>
      {hiddenReads > 0 ? (
        <p class="muted" data-testid="console-reads-hidden">
          {hiddenReads} of the console's own GET requests hidden.
        </p>
      ) : null}
      <ProblemView problem={problem} />
      {items === null && !problem ? <Loading /> : null}
      {items && shown.length === 0 ? <p>No requests match.</p> : null}
      {shown.length > 0 ? (
        <Table
          caption="Request log, newest first"
          columns={['Request', 'Route', 'Outcome', 'Tokens in/out', 'Guardrails', 'Cost', 'Latency', 'When']}
        >
          {shown.map((item) => (
            <tr key={item.id}>
              <td>
                <Link to={`/requests/${item.id}`}>{item.id.slice(0, 12)}</Link>
              </td>
              <td>{item.capability ?? `${item.method ?? ''} ${item.route ?? ''}`}</td>
              <td>
                <StatusBadge status={item.outcome} /> {item.http_status}
              </td>
              <td>
                {item.input_tokens}/{item.output_tokens}
              </td>
              <td>{guardrailSummary(item.guardrails)}</td>
              <td>${item.cost_usd.toFixed(4)}</td>
              <td>{item.latency_ms} ms</td>
              <td>{formatTime(item.created_at)}</td>
            </tr>
          ))}
        </Table>
      ) : null}
    </section>
  );
}

export function RequestDetail(props: { readonly id: string }) {
  const [record, setRecord] = useState<RequestRecord | null>(null);
  const [calls, setCalls] = useState<ModelCall[] | null>(null);
  const [feedback, setFeedback] = useState<unknown[] | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [sent, setSent] = useState<string | null>(null);
  const [comment, setComment] = useState('');

  const loadFeedback = async () => {
    const exchange = await call('GET', `/v1/feedback?request_id=${encodeURIComponent(props.id)}`);
    setFeedback(exchange.status === 200 ? ((exchange.body as { items?: unknown[] }).items ?? []) : null);
  };
  useEffect(() => {
    void (async () => {
      const { data, error } = await keel().GET('/v1/requests/{id}', { params: { path: { id: props.id } } });
      setRecord(data ?? null);
      if (error) setProblem(asProblem(error));
      // Model calls need `usage:read`; without it the section says so instead of failing the page.
      const usage = await keel().GET('/v1/model-calls', {
        params: { query: { request_id: props.id, limit: 50 } },
      });
      setCalls(usage.data?.items ?? null);
      await loadFeedback();
    })();
  }, [props.id]);

  const rate = async (rating: 'up' | 'down') => {
    const exchange = await call('POST', '/v1/feedback', {
      request_id: props.id,
      rating,
      ...(comment.trim() === '' ? {} : { comment: comment.trim() }),
    });
    if (exchange.status < 300) {
      setSent(rating);
      setProblem(null);
      await loadFeedback();
    } else setProblem(asProblem(exchange.body));
  };

  return (
    <section aria-labelledby="request-title">
      <p>
        <Link to="/requests">← All requests</Link>
      </p>
      <h1 id="request-title">Request {props.id}</h1>
      <ProblemView problem={problem} />
      {!record && !problem ? <Loading /> : null}
      {record ? (
        <div class="panel">
          <dl class="facts">
            <dt>Route</dt>
            <dd>
              {record.capability ? `capability ${record.capability}` : `${record.method} ${record.route}`}
            </dd>
            <dt>Outcome</dt>
            <dd>
              <StatusBadge status={record.outcome} /> HTTP {record.http_status} {record.error_code ?? ''}
            </dd>
            <dt>Models</dt>
            <dd>{record.models.join(', ') || 'none (local engine or no model call)'}</dd>
            <dt>Usage</dt>
            <dd>
              {record.input_tokens} input, {record.output_tokens} output tokens · $
              {record.cost_usd.toFixed(6)} · {record.latency_ms} ms
            </dd>
            <dt>Trace</dt>
            <dd>
              <code>{record.trace_id ?? '—'}</code>
            </dd>
            <dt>Guardrails</dt>
            <dd>
              {record.guardrails.length === 0
                ? 'none applied'
                : record.guardrails
                    .map(
                      (decision) =>
                        `${decision.policy}: ${decision.action} at ${decision.stage} (${decision.kinds.join(', ')}, ${decision.count})`,
                    )
                    .join('; ')}
            </dd>
            <dt>Key</dt>
            <dd>{record.api_key_id ?? 'open access'}</dd>
            <dt>When</dt>
            <dd>{formatTime(record.created_at)}</dd>
          </dl>
          <details>
            <summary>Input and output</summary>
            <Json value={{ input: record.input, output: record.output }} label="Logged input and output" />
          </details>
        </div>
      ) : null}
      <h2>Model calls</h2>
      {calls === null ? (
        <p class="muted">Not shown: listing model calls needs the usage:read scope.</p>
      ) : calls.length === 0 ? (
        <p class="muted">No model calls (the local engine served, or the call did not reach a model).</p>
      ) : (
        <Table
          caption="Model calls of this request"
          columns={['Deployment', 'Outcome', 'Tokens', 'Attempts', 'Latency', 'Cost']}
        >
          {calls.map((modelCall) => (
            <tr key={modelCall.id}>
              <td>{modelCall.deployment ?? modelCall.route}</td>
              <td>
                <StatusBadge status={modelCall.outcome} />
              </td>
              <td>
                {modelCall.input_tokens}/{modelCall.output_tokens}
              </td>
              <td>{modelCall.attempts}</td>
              <td>{Math.round(modelCall.latency_ms)} ms</td>
              <td>{modelCall.cost_usd === null ? 'unpriced' : `$${modelCall.cost_usd.toFixed(6)}`}</td>
            </tr>
          ))}
        </Table>
      )}
      {record?.capability ? (
        <section class="panel" aria-labelledby="feedback-title">
          <h2 id="feedback-title">Feedback</h2>
          <div class="field">
            <label for="feedback-comment">Comment (optional)</label>
            <input
              id="feedback-comment"
              value={comment}
              onInput={(event) => setComment(event.currentTarget.value)}
            />
          </div>
          <div class="row">
            <button type="button" class="secondary" onClick={() => rate('up')} aria-pressed={sent === 'up'}>
              <ThumbIcon direction="up" /> Good
            </button>
            <button
              type="button"
              class="secondary"
              onClick={() => rate('down')}
              aria-pressed={sent === 'down'}
            >
              <ThumbIcon direction="down" /> Bad
            </button>
          </div>
          {sent ? <p role="status">Thanks: feedback recorded.</p> : null}
          {feedback && feedback.length > 0 ? (
            <Json value={feedback} label="Feedback on this request" />
          ) : null}
        </section>
      ) : null}
    </section>
  );
}

/** A thumb drawn inline: emoji render as empty boxes where no emoji font is installed. */
function ThumbIcon(props: { readonly direction: 'up' | 'down' }) {
  return (
    <svg
      width="16"
      height="16"
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      stroke-width="2"
      stroke-linecap="round"
      stroke-linejoin="round"
      aria-hidden="true"
      focusable="false"
      style={{ verticalAlign: '-3px', transform: props.direction === 'down' ? 'scaleY(-1)' : undefined }}
    >
      <path d="M7 10v11H3V10h4z" />
      <path d="M7 10l4-8a3 3 0 0 1 3 3v4h5.5a2 2 0 0 1 2 2.3l-1.4 8A2 2 0 0 1 18.1 21H7" />
    </svg>
  );
}

/** One cell: the policy that blocked the call, else how many spans were redacted or flagged; a dash for none. */
function guardrailSummary(
  decisions: ReadonlyArray<{ readonly policy: string; readonly action: string; readonly count: number }>,
): string {
  const blocked = decisions.find((decision) => decision.action === 'block');
  if (blocked) return `blocked by ${blocked.policy}`;
  const count = (action: string) =>
    decisions
      .filter((decision) => decision.action === action)
      .reduce((sum, decision) => sum + decision.count, 0);
  const parts = [
    count('redact') > 0 ? `${count('redact')} redacted` : '',
    count('flag') > 0 ? `${count('flag')} flagged` : '',
  ].filter(Boolean);
  return parts.length === 0 ? '—' : parts.join(', ');
}
