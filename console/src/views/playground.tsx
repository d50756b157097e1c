// Playground: pick a capability, fill the form generated from its input schema, run it sync, streamed or as a
// job, optionally on two models side by side; see the raw exchange and a curl that repeats it.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { parseCapabilityStream } from '../../../src/client/index.ts';
import { asProblem, authHeaders, call, curlOf, type Exchange, type Problem } from '../api.ts';
import { CopyButton, Json, Link, Loading, ProblemView } from '../components.tsx';
import {
  type FormValues,
  fieldErrors,
  initialValues,
  type JsonSchema,
  resolve,
  SchemaForm,
  toInput,
} from '../schema-form.tsx';

interface Capability {
  readonly name: string;
  readonly summary: string;
  readonly schema: JsonSchema;
}

interface OpenApi {
  readonly paths: Record<
    string,
    Record<
      string,
      {
        tags?: string[];
        summary?: string;
        requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
      }
    >
  >;
  readonly components?: { readonly schemas?: Record<string, JsonSchema> };
}

type Mode = 'sync' | 'stream' | 'job';

/**
 * The capability shown first: one the embedded local engine serves, so a first run works with no model
 * configured (the alphabetical first, `agent`, needs one).
 */
const OFFLINE_FIRST = ['classify', 'summarize', 'extract'];

/** One run's state, per side of a comparison. */
interface Run {
  readonly model: string;
  readonly running: boolean;
  readonly text: string;
  readonly partial: unknown;
  readonly output: unknown;
  readonly usage: unknown;
  readonly problem: Problem | null;
  readonly exchange: Exchange | null;
  readonly events: number;
  readonly jobId: string | null;
}

const idle = (model: string): Run => ({
  model,
  running: false,
  text: '',
  partial: null,
  output: null,
  usage: null,
  problem: null,
  exchange: null,
  events: 0,
  jobId: null,
});

export function capabilitiesOf(document: OpenApi): Capability[] {
  const found: Capability[] = [];
  for (const [path, operations] of Object.entries(document.paths)) {
    const post = operations.post;
    const match = /^\/v1\/([a-z][a-z0-9-]*)$/.exec(path);
    if (!match?.[1] || !post?.tags?.includes('Capabilities')) continue;
    const schema = post.requestBody?.content?.['application/json']?.schema;
    if (schema) found.push({ name: match[1], summary: post.summary ?? '', schema });
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

export function Playground() {
  const [document, setDocument] = useState<OpenApi | null>(null);
  const [loadProblem, setLoadProblem] = useState<Problem | null>(null);
  const [models, setModels] = useState<string[]>([]);
  const [selected, setSelected] = useState('');
  const [values, setValues] = useState<FormValues>({});
  // Sync by default: it works for every capability, with or without a model.
  const [mode, setMode] = useState<Mode>('sync');
  const [compare, setCompare] = useState(false);
  const [runs, setRuns] = useState<Run[]>([idle(''), idle('local')]);
  const [formErrors, setFormErrors] = useState<Record<string, string>>({});

  useEffect(() => {
    call('GET', '/openapi.json')
      .then((exchange) => {
        if (exchange.status !== 200) throw asProblem(exchange.body);
        setDocument(exchange.body as OpenApi);
      })
      .catch((error: unknown) => setLoadProblem(asProblem(error)));
    // The model list needs `models:read`; without it the picker still takes any name.
    call('GET', '/v1/models')
      .then((exchange) => {
        if (exchange.status !== 200) return;
        const listing = exchange.body as {
          aliases?: Array<{ name: string }>;
          deployments?: Array<{ id: string }>;
        };
        setModels([
          ...(listing.aliases ?? []).map((alias) => alias.name),
          ...(listing.deployments ?? []).map((d) => d.id),
        ]);
      })
      .catch(() => undefined);
  }, []);

  const components = (document?.components?.schemas ?? {}) as Record<string, JsonSchema>;
  const capabilities = useMemo(() => (document ? capabilitiesOf(document) : []), [document]);
  const capability =
    capabilities.find((candidate) => candidate.name === selected) ??
    OFFLINE_FIRST.map((name) => capabilities.find((candidate) => candidate.name === name)).find(Boolean) ??
    capabilities[0];
  const schema = capability ? resolve(capability.schema, components) : undefined;
  const hasModel = schema?.properties?.model !== undefined;

  useEffect(() => {
    if (capability && schema) {
      setValues(initialValues(schema, components));
      setRuns((current) => current.map((run) => ({ ...idle(run.model) })));
      setFormErrors({});
    }
  }, [capability?.name, document]);

  if (loadProblem) return <ProblemView problem={loadProblem} />;
  if (!document) return <Loading label="Loading capabilities…" />;
  if (!capability || !schema) return <p>This Keel has no capabilities you can call.</p>;

  const update = (index: number, change: Partial<Run>) =>
    setRuns((current) => current.map((run, position) => (position === index ? { ...run, ...change } : run)));

  const runOne = async (index: number, input: Record<string, unknown>) => {
    const run = runs[index] ?? idle('');
    const body = hasModel && run.model !== '' ? { ...input, model: run.model } : input;
    update(index, { ...idle(run.model), running: true });
    const path = mode === 'job' ? `/v1/${capability.name}/jobs` : `/v1/${capability.name}`;
    try {
      if (mode !== 'stream') {
        const exchange = await call('POST', path, body);
        const ok = exchange.status < 300;
        const jobId = mode === 'job' && ok ? ((exchange.body as { id?: string }).id ?? null) : null;
        update(index, {
          running: false,
          exchange,
          output: ok && mode === 'sync' ? exchange.body : null,
          usage: ok ? ((exchange.body as { usage?: unknown })?.usage ?? null) : null,
          problem: ok ? null : asProblem(exchange.body),
          jobId,
        });
        return;
      }
      const requestHeaders = { accept: 'text/event-stream', 'content-type': 'application/json' };
      const started = performance.now();
      const response = await fetch(path, {
        method: 'POST',
        headers: { ...requestHeaders, ...authHeaders() },
        body: JSON.stringify(body),
      });
      const base = {
        method: 'POST',
        path,
        requestHeaders,
        requestBody: body,
        status: response.status,
        responseHeaders: Object.fromEntries(response.headers),
      };
      if (
        !response.ok ||
        !response.body ||
        !response.headers.get('content-type')?.includes('text/event-stream')
      ) {
        const text = await response.text();
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {}
        update(index, {
          running: false,
          problem: asProblem(parsed),
          exchange: { ...base, body: parsed, durationMs: Math.round(performance.now() - started) },
        });
        return;
      }
      let text = '';
      let events = 0;
      const received: unknown[] = [];
      for await (const event of parseCapabilityStream(response.body)) {
        events += 1;
        received.push({ event: event.type, id: event.id, data: event.data });
        if (event.type === 'text-delta') {
          text += event.data.delta;
          update(index, { text, events });
        } else if (event.type === 'object-delta') update(index, { partial: event.data.partial, events });
        else if (event.type === 'usage') update(index, { usage: event.data, events });
        else if (event.type === 'done') update(index, { output: event.data.output, events });
        else if (event.type === 'error') update(index, { problem: event.data as Problem, events });
      }
      update(index, {
        running: false,
        exchange: { ...base, body: received, durationMs: Math.round(performance.now() - started) },
      });
    } catch (error) {
      update(index, { running: false, problem: asProblem(error) });
    }
  };

  const submit = (event: Event) => {
    event.preventDefault();
    const { input, errors } = toInput(schema, components, values);
    setFormErrors(errors);
    if (Object.keys(errors).length > 0) return;
    const sides = compare ? [0, 1] : [0];
    void Promise.all(sides.map((index) => runOne(index, input)));
  };

  // Field errors from the API's problem (first side that has one), merged with the form's own.
  const apiErrors = fieldErrors(runs.find((run) => run.problem?.errors)?.problem);
  const errors: Record<string, string[]> = { ...apiErrors };
  for (const [name, message] of Object.entries(formErrors)) errors[name] = [...(errors[name] ?? []), message];
  const shown = compare ? runs : runs.slice(0, 1);

  return (
    <section aria-labelledby="playground-title">
      <h1 id="playground-title">Playground</h1>
      <form class="panel" onSubmit={submit}>
        <div class="row">
          <div class="field">
            <label for="capability">Capability</label>
            <select
              id="capability"
              value={capability.name}
              onChange={(event) => setSelected(event.currentTarget.value)}
            >
              {capabilities.map((candidate) => (
                <option key={candidate.name} value={candidate.name}>
                  {candidate.name}
                </option>
              ))}
            </select>
            <small class="help">{capability.summary}</small>
          </div>
          <fieldset class="field">
            <legend>Run</legend>
            {(['sync', 'stream', 'job'] as const).map((option) => (
              <label key={option} class="inline">
                <input
                  type="radio"
                  name="mode"
                  value={option}
                  checked={mode === option}
                  onChange={() => setMode(option)}
                />
                {option === 'sync' ? 'Sync' : option === 'stream' ? 'Streaming' : 'As a job'}
              </label>
            ))}
          </fieldset>
        </div>
        <SchemaForm
          id="input"
          schema={
            hasModel
              ? {
                  ...schema,
                  properties: Object.fromEntries(
                    Object.entries(schema.properties ?? {}).filter(([name]) => name !== 'model'),
                  ),
                }
              : schema
          }
          components={components}
          values={values}
          onChange={setValues}
          errors={errors}
          models={models}
        />
        {hasModel ? (
          <div class="row">
            <div class="field">
              <label for="model-a">Model{compare ? ' A' : ''}</label>
              <input
                id="model-a"
                list="model-options"
                placeholder="default route"
                value={runs[0]?.model}
                onInput={(event) => update(0, { model: event.currentTarget.value })}
              />
            </div>
            {compare ? (
              <div class="field">
                <label for="model-b">Model B</label>
                <input
                  id="model-b"
                  list="model-options"
                  placeholder="default route"
                  value={runs[1]?.model}
                  onInput={(event) => update(1, { model: event.currentTarget.value })}
                />
              </div>
            ) : null}
            <datalist id="model-options">
              <option value="local">local (embedded engine)</option>
              {models.map((model) => (
                <option key={model} value={model} />
              ))}
            </datalist>
            <label class="inline">
              <input
                type="checkbox"
                checked={compare}
                onChange={(event) => setCompare(event.currentTarget.checked)}
              />
              Compare two models side by side
            </label>
          </div>
        ) : null}
        <button type="submit" disabled={runs.some((run) => run.running)}>
          {runs.some((run) => run.running) ? 'Running…' : 'Run'}
        </button>
      </form>
      <div class={compare ? 'compare' : undefined}>
        {shown.map((run, index) => (
          <RunView
            key={index}
            run={run}
            title={compare ? `Model ${index === 0 ? 'A' : 'B'}: ${run.model || 'default'}` : 'Result'}
          />
        ))}
      </div>
    </section>
  );
}

function RunView(props: { readonly run: Run; readonly title: string }) {
  const { run } = props;
  const exchange = run.exchange;
  const started = run.running || exchange !== null || run.problem !== null;
  if (!started) return null;
  return (
    <article class="panel result" aria-live="polite" aria-busy={run.running}>
      <h2>{props.title}</h2>
      {run.running ? (
        <Loading label={run.events > 0 ? `Streaming… ${run.events} events` : 'Running…'} />
      ) : null}
      <ProblemView problem={run.problem} />
      {run.text !== '' ? (
        <div class="stream-text" data-testid="stream-text">
          {run.text}
        </div>
      ) : null}
      {run.partial !== null && run.output === null ? (
        <Json value={run.partial} label="Partial object" />
      ) : null}
      {run.jobId ? (
        <p>
          Job created: <Link to={`/jobs/${run.jobId}`}>{run.jobId}</Link>
        </p>
      ) : null}
      {run.output !== null ? (
        <>
          <h3>Output</h3>
          <Json value={run.output} label="Output" />
        </>
      ) : null}
      {run.usage ? (
        <p class="muted" data-testid="usage">
          Usage: {JSON.stringify(run.usage)}
        </p>
      ) : null}
      {exchange ? (
        <details>
          <summary>
            Raw request and response ({exchange.status}, {exchange.durationMs} ms)
          </summary>
          <h3>Request</h3>
          <Json
            value={{
              method: exchange.method,
              path: exchange.path,
              headers: exchange.requestHeaders,
              body: exchange.requestBody,
            }}
            label="Request"
          />
          <h3>Response</h3>
          <Json
            value={{ status: exchange.status, headers: exchange.responseHeaders, body: exchange.body }}
            label="Response"
          />
          <CopyButton
            label="Copy as curl"
            text={curlOf(
              exchange.method,
              exchange.path,
              exchange.requestBody,
              exchange.requestHeaders.accept === 'text/event-stream' ? { accept: 'text/event-stream' } : {},
            )}
          />
        </details>
      ) : null}
    </article>
  );
}
