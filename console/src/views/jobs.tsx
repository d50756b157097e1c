// Jobs: the list (refreshed while open), and one job's detail with its live event timeline, cancel and retry.
import { useEffect, useRef, useState } from 'preact/hooks';
import { parseServerSentEvents } from '../../../src/client/capability-stream.ts';
import type { components } from '../../../src/client/index.ts';
import { asProblem, authHeaders, consoleReadId, keel, type Problem } from '../api.ts';
import { formatTime, Json, Link, Loading, ProblemView, StatusBadge, Table } from '../components.tsx';

type Job = components['schemas']['Job'];
/** One job event, as `GET /v1/jobs/{id}/events` sends it (docs/jobs.md). */
interface JobEvent {
  readonly job_id: string;
  readonly id: number;
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly created_at: string;
}
const STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
const FINISHED = new Set(['succeeded', 'failed', 'cancelled']);

export function Jobs() {
  const [jobs, setJobs] = useState<Job[] | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [status, setStatus] = useState('');
  useEffect(() => {
    let stopped = false;
    const load = async () => {
      const query = { limit: 50, ...(status === '' ? {} : { status: status as Job['status'] }) };
      const { data, error } = await keel()
        .GET('/v1/jobs', { params: { query } })
        .catch((failure: unknown) => ({ data: undefined, error: failure }));
      if (stopped) return;
      if (data) {
        setJobs(data.items);
        setProblem(null);
      } else setProblem(asProblem(error));
    };
    void load();
    // Live enough for a list: each job's page follows its events as they happen.
    const timer = setInterval(load, 3000);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [status]);
  return (
    <section aria-labelledby="jobs-title">
      <h1 id="jobs-title">Jobs</h1>
      <div class="row">
        <div class="field">
          <label for="job-status">Status</label>
          <select id="job-status" value={status} onChange={(event) => setStatus(event.currentTarget.value)}>
            <option value="">any</option>
            {STATUSES.map((option) => (
              <option key={option}>{option}</option>
            ))}
          </select>
        </div>
      </div>
      <ProblemView problem={problem} />
      {jobs === null && !problem ? <Loading /> : null}
      {jobs?.length === 0 ? <p>No jobs yet. Run a capability “as a job” in the Playground.</p> : null}
      {jobs && jobs.length > 0 ? (
        <Table caption="Jobs, newest first" columns={['Job', 'Capability', 'Status', 'Attempts', 'Created']}>
          {jobs.map((job) => (
            <tr key={job.id}>
              <td>
                <Link to={`/jobs/${job.id}`}>{job.id.slice(0, 8)}</Link>
              </td>
              <td>{job.capability}</td>
              <td>
                <StatusBadge status={job.status} />
              </td>
              <td>
                {job.attempts}/{job.max_attempts}
              </td>
              <td>{formatTime(job.created_at)}</td>
            </tr>
          ))}
        </Table>
      ) : null}
    </section>
  );
}

export function JobDetail(props: { readonly id: string }) {
  const [job, setJob] = useState<Job | null>(null);
  const [events, setEvents] = useState<JobEvent[]>([]);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [following, setFollowing] = useState(false);
  const [generation, setGeneration] = useState(0);
  const lastId = useRef(0);

  const refresh = async () => {
    const { data, error } = await keel().GET('/v1/jobs/{id}', { params: { path: { id: props.id } } });
    if (data) setJob(data);
    else setProblem(asProblem(error));
    return data;
  };

  useEffect(() => {
    // The events over Server-Sent Events with the key in the Authorization header: a browser WebSocket
    // cannot send that header, so /v1/jobs/{id}/ws is for server-side clients (docs/console.md).
    const controller = new AbortController();
    setFollowing(true);
    void (async () => {
      await refresh();
      try {
        const response = await fetch(
          `/v1/jobs/${encodeURIComponent(props.id)}/events?after=${lastId.current}`,
          {
            headers: { accept: 'text/event-stream', 'x-request-id': consoleReadId(), ...authHeaders() },
            signal: controller.signal,
          },
        );
        if (!response.ok || !response.body) throw asProblem(await response.json().catch(() => null));
        for await (const message of parseServerSentEvents(response.body)) {
          if (message.id === undefined) continue;
          const event = JSON.parse(message.data) as JobEvent;
          lastId.current = Math.max(lastId.current, event.id);
          setEvents((current) =>
            current.some((seen) => seen.id === event.id) ? current : [...current, event],
          );
          if (event.type.startsWith('job-')) void refresh();
        }
      } catch (error) {
        if (!controller.signal.aborted) setProblem(asProblem(error));
      } finally {
        if (!controller.signal.aborted) {
          setFollowing(false);
          void refresh();
        }
      }
    })();
    return () => controller.abort();
  }, [props.id, generation]);

  const act = async (action: 'cancel' | 'retry') => {
    const path = action === 'cancel' ? '/v1/jobs/{id}/cancel' : '/v1/jobs/{id}/retry';
    const { error } = await keel().POST(path, { params: { path: { id: props.id } } });
    setProblem(error ? asProblem(error) : null);
    await refresh();
    if (action === 'retry' && !error) setGeneration((value) => value + 1);
  };

  return (
    <section aria-labelledby="job-title">
      <p>
        <Link to="/jobs">← All jobs</Link>
      </p>
      <h1 id="job-title">Job {props.id.slice(0, 8)}</h1>
      <ProblemView problem={problem} />
      {!job && !problem ? <Loading /> : null}
      {job ? (
        <div class="panel">
          <dl class="facts">
            <dt>Status</dt>
            <dd data-testid="job-status">
              <StatusBadge status={job.status} />
              {following && !FINISHED.has(job.status) ? <span class="muted"> (following live)</span> : null}
            </dd>
            <dt>Capability</dt>
            <dd>{job.capability}</dd>
            <dt>Attempts</dt>
            <dd>
              {job.attempts}/{job.max_attempts}
            </dd>
            <dt>Created</dt>
            <dd>{formatTime(job.created_at)}</dd>
            <dt>Finished</dt>
            <dd>{formatTime(job.finished_at)}</dd>
            <dt>Request</dt>
            <dd>
              <Link to={`/requests/${job.request_id}`}>{job.request_id}</Link>
            </dd>
          </dl>
          <div class="row">
            <button
              type="button"
              class="secondary"
              disabled={FINISHED.has(job.status)}
              onClick={() => act('cancel')}
            >
              Cancel
            </button>
            <button
              type="button"
              class="secondary"
              disabled={job.status !== 'failed' && job.status !== 'cancelled'}
              onClick={() => act('retry')}
            >
              Retry
            </button>
          </div>
          {job.error ? <ProblemView problem={job.error as Problem} /> : null}
          {job.result !== null && job.result !== undefined ? (
            <>
              <h2>Result</h2>
              <Json value={job.result} label="Result" />
            </>
          ) : null}
        </div>
      ) : null}
      <h2>Timeline</h2>
      {events.length === 0 ? <p class="muted">No events yet.</p> : null}
      <ol class="timeline" aria-label="Job events">
        {events.map((event) => (
          <li key={event.id}>
            <span class="muted">
              #{event.id} {new Date(event.created_at).toLocaleTimeString()}
            </span>{' '}
            <strong>{event.type}</strong>{' '}
            {Object.keys(event.data).length > 0 ? (
              <code>{JSON.stringify(event.data).slice(0, 200)}</code>
            ) : null}
          </li>
        ))}
      </ol>
    </section>
  );
}
