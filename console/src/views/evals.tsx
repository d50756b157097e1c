// Evals: datasets, runs, and one run's charts (per-variant means, score distribution) and regressions
// (the run's second variant against its first, from GET /v1/eval-runs/{id}/compare).
import { useEffect, useState } from 'preact/hooks';
import { asProblem, call, type Problem } from '../api.ts';
import { type Bar, BarChart, histogram } from '../charts.tsx';
import { formatTime, Link, Loading, ProblemView, StatusBadge, Table } from '../components.tsx';

interface Dataset {
  id: string;
  name: string;
  capability: string;
  version: number;
  item_count: number;
}
interface Metric {
  n: number;
  mean: number;
}
interface EvalRun {
  id: string;
  dataset_id: string;
  capability: string;
  variants: string[];
  status: string;
  completed: number;
  total: number;
  summary: Array<{ variant: string; items: number; errors: number; metrics: Record<string, Metric> }> | null;
  error: { code: string; detail: string } | null;
  created_at: string;
}
interface EvalResult {
  variant: string;
  scores: Record<string, { value: number } | null>;
}
interface Comparison {
  means: Record<string, { baseline: number; candidate: number; delta: number }>;
  regressed: Array<{ item_id: string; position: number; delta: number }>;
  improved: unknown[];
  unchanged: number;
}

async function get<T>(path: string): Promise<T> {
  const exchange = await call('GET', path);
  if (exchange.status !== 200) throw asProblem(exchange.body);
  return exchange.body as T;
}

export function Evals() {
  const [datasets, setDatasets] = useState<Dataset[] | null>(null);
  const [runs, setRuns] = useState<EvalRun[] | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  useEffect(() => {
    get<{ items: Dataset[] }>('/v1/datasets?limit=100')
      .then((page) => setDatasets(page.items))
      .catch((error: unknown) => setProblem(asProblem(error)));
    get<{ items: EvalRun[] }>('/v1/eval-runs?limit=100')
      .then((page) => setRuns(page.items))
      .catch((error: unknown) => setProblem(asProblem(error)));
  }, []);
  return (
    <section aria-labelledby="evals-title">
      <h1 id="evals-title">Evals</h1>
      <ProblemView problem={problem} />
      <h2>Datasets</h2>
      {datasets === null && !problem ? <Loading /> : null}
      {datasets?.length === 0 ? <p>No datasets yet (POST /v1/datasets, or from feedback).</p> : null}
      {datasets && datasets.length > 0 ? (
        <ul class="plain">
          {datasets.map((dataset) => (
            <li key={dataset.id}>
              <strong>{dataset.name}</strong>{' '}
              <span class="muted">
                ({dataset.capability}, v{dataset.version}, {dataset.item_count} items)
              </span>
            </li>
          ))}
        </ul>
      ) : null}
      <h2>Runs</h2>
      {runs === null && !problem ? <Loading /> : null}
      {runs?.length === 0 ? <p>No eval runs yet.</p> : null}
      {runs && runs.length > 0 ? (
        <Table
          caption="Eval runs"
          columns={['Run', 'Capability', 'Variants', 'Status', 'Progress', 'Created']}
        >
          {runs.map((run) => (
            <tr key={run.id}>
              <td>
                <Link to={`/evals/${run.id}`}>{run.id}</Link>
              </td>
              <td>{run.capability}</td>
              <td>{run.variants.join(', ')}</td>
              <td>
                <StatusBadge status={run.status} />
              </td>
              <td>
                {run.completed}/{run.total}
              </td>
              <td>{formatTime(run.created_at)}</td>
            </tr>
          ))}
        </Table>
      ) : null}
    </section>
  );
}

export function EvalRunDetail(props: { readonly id: string }) {
  const [run, setRun] = useState<EvalRun | null>(null);
  const [results, setResults] = useState<EvalResult[] | null>(null);
  const [comparison, setComparison] = useState<Comparison | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      try {
        const current = await get<EvalRun>(`/v1/eval-runs/${encodeURIComponent(props.id)}`);
        setRun(current);
        if (current.status === 'queued' || current.status === 'running') {
          timer = setTimeout(load, 1000);
          return;
        }
        const page = await get<{ results: EvalResult[] }>(
          `/v1/eval-runs/${encodeURIComponent(props.id)}/results`,
        );
        setResults(page.results);
        if (current.variants.length > 1)
          setComparison(await get<Comparison>(`/v1/eval-runs/${encodeURIComponent(props.id)}/compare`));
      } catch (error) {
        setProblem(asProblem(error));
      }
    };
    void load();
    return () => clearTimeout(timer);
  }, [props.id]);

  const metrics = [...new Set((run?.summary ?? []).flatMap((variant) => Object.keys(variant.metrics)))];
  return (
    <section aria-labelledby="run-title">
      <p>
        <Link to="/evals">← All evals</Link>
      </p>
      <h1 id="run-title">Eval run {props.id}</h1>
      <ProblemView problem={problem} />
      {!run && !problem ? <Loading /> : null}
      {run ? (
        <p>
          <StatusBadge status={run.status} /> {run.capability} · {run.completed}/{run.total} results ·
          variants {run.variants.join(', ')}
        </p>
      ) : null}
      {run?.error ? <ProblemView problem={{ title: run.error.code, detail: run.error.detail }} /> : null}
      <div class="charts" data-testid="eval-charts">
        {metrics.map((metric) => {
          const bars: Bar[] = (run?.summary ?? []).map((variant) => ({
            label: variant.variant,
            value: variant.metrics[metric]?.mean ?? 0,
          }));
          return (
            <BarChart
              key={`mean-${metric}`}
              title={`Mean ${metric} by variant`}
              bars={bars}
              format={(value) => value.toFixed(3)}
            />
          );
        })}
        {results
          ? metrics.map((metric) => (
              <BarChart
                key={`histogram-${metric}`}
                title={`Distribution of ${metric} scores (all variants)`}
                bars={histogram(
                  results
                    .map((result) => result.scores[metric]?.value)
                    .filter((value): value is number => typeof value === 'number'),
                )}
              />
            ))
          : null}
      </div>
      {comparison ? (
        <section class="panel" aria-labelledby="regressions-title">
          <h2 id="regressions-title">
            Regressions ({run?.variants[1]} against {run?.variants[0]})
          </h2>
          <p>
            {comparison.regressed.length} regressed, {comparison.improved.length} improved,{' '}
            {comparison.unchanged} unchanged.
          </p>
          {comparison.regressed.length > 0 ? (
            <ul class="plain">
              {comparison.regressed.slice(0, 20).map((change) => (
                <li key={change.item_id}>
                  Item #{change.position}: {change.delta.toFixed(3)}
                </li>
              ))}
            </ul>
          ) : null}
        </section>
      ) : null}
    </section>
  );
}
