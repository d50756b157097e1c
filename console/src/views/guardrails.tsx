// Guardrails: the recent guardrail decisions across calls, from the request log (records with decisions),
// filtered by policy, stage and action on the server, each linking to its request.
import { useEffect, useState } from 'preact/hooks';
import type { components } from '../../../src/client/index.ts';
import { asProblem, keel, type Problem } from '../api.ts';
import { formatTime, Link, Loading, ProblemView, StatusBadge, Table } from '../components.tsx';

type RequestRecord = components['schemas']['RequestRecord'];
type Decision = RequestRecord['guardrails'][number];
const STAGES = ['input', 'retrieved', 'output'] as const;
const ACTIONS = ['block', 'redact', 'flag'] as const;

/** One row per decision of each listed record that matches the filters (a record may hold several). */
function decisionRows(
  records: readonly RequestRecord[],
  filter: { readonly policy: string; readonly stage: string; readonly action: string },
): Array<{ readonly record: RequestRecord; readonly decision: Decision }> {
  return records.flatMap((record) =>
    record.guardrails
      .filter(
        (decision) =>
          (filter.policy === '' || decision.policy === filter.policy) &&
          (filter.stage === '' || decision.stage === filter.stage) &&
          (filter.action === '' || decision.action === filter.action),
      )
      .map((decision) => ({ record, decision })),
  );
}

export function Guardrails() {
  const [records, setRecords] = useState<RequestRecord[] | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [policy, setPolicy] = useState('');
  const [stage, setStage] = useState('');
  const [action, setAction] = useState('');
  useEffect(() => {
    const timer = setTimeout(async () => {
      const query = {
        limit: 100,
        guarded: 'true' as const,
        ...(policy.trim() === '' ? {} : { guardrail_policy: policy.trim() }),
        ...(stage === '' ? {} : { guardrail_stage: stage as (typeof STAGES)[number] }),
        ...(action === '' ? {} : { guardrail_action: action as (typeof ACTIONS)[number] }),
      };
      const { data, error } = await keel().GET('/v1/requests', { params: { query } });
      setRecords(data?.items ?? null);
      setProblem(error ? asProblem(error) : null);
    }, 250);
    return () => clearTimeout(timer);
  }, [policy, stage, action]);
  const rows = decisionRows(records ?? [], { policy: policy.trim(), stage, action });
  return (
    <section aria-labelledby="guardrails-title">
      <h1 id="guardrails-title">Guardrail decisions</h1>
      <p class="muted">
        What the guardrail policies found and did in recent calls: the kinds found and how many spans, never
        the text. From the request log.
      </p>
      <div class="row">
        <div class="field">
          <label for="filter-policy">Policy</label>
          <input
            id="filter-policy"
            value={policy}
            placeholder="any"
            onInput={(event) => setPolicy(event.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for="filter-stage">Stage</label>
          <select id="filter-stage" value={stage} onChange={(event) => setStage(event.currentTarget.value)}>
            <option value="">any</option>
            {STAGES.map((name) => (
              <option key={name}>{name}</option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="filter-action">Action</label>
          <select
            id="filter-action"
            value={action}
            onChange={(event) => setAction(event.currentTarget.value)}
          >
            <option value="">any</option>
            {ACTIONS.map((name) => (
              <option key={name}>{name}</option>
            ))}
          </select>
        </div>
      </div>
      <ProblemView problem={problem} />
      {records === null && !problem ? <Loading /> : null}
      {records && rows.length === 0 ? <p data-testid="no-decisions">No guardrail decisions match.</p> : null}
      {rows.length > 0 ? (
        <Table
          caption="Guardrail decisions, newest call first"
          columns={['Request', 'Route', 'Policy', 'Stage', 'Action', 'Found', 'Outcome', 'When']}
          testId="guardrail-decisions"
        >
          {rows.map(({ record, decision }) => (
            <tr key={`${record.id} ${decision.policy} ${decision.stage} ${decision.action}`}>
              <td>
                <Link to={`/requests/${record.id}`}>{record.id.slice(0, 12)}</Link>
              </td>
              <td>{record.capability ?? `${record.method ?? ''} ${record.route ?? ''}`}</td>
              <td>{decision.policy}</td>
              <td>{decision.stage}</td>
              <td>{decision.action}</td>
              <td>
                {decision.kinds.join(', ')} ({decision.count})
              </td>
              <td>
                <StatusBadge status={record.outcome} /> {record.http_status}
              </td>
              <td>{formatTime(record.created_at)}</td>
            </tr>
          ))}
        </Table>
      ) : null}
    </section>
  );
}
