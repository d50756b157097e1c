import { describe, expect, it } from 'vitest';
import { AppError } from '../../platform/errors/index.ts';
import type { JobProblem } from './job.types.ts';
import type { AttemptOutcome } from './job-store.port.ts';
import {
  backoffMs,
  failedAttemptOutcome,
  type JobSnapshot,
  type JobTransition,
  type JobTrigger,
  lostAttemptOutcome,
  transition,
} from './job-transitions.ts';
import { jobErrors } from './jobs.errors.ts';
import { capabilityRunJob, webhookSendJob } from './queue-deliveries.ts';

const NOW = new Date('2026-12-01T10:00:00.000Z');
const LATER = new Date('2026-12-01T10:00:05.000Z');
const PROBLEM: JobProblem = { code: 'JOB_TIMED_OUT', title: 'Out of time', status: 504, retryable: true };

/** Every state a job can be in; a running job's cancellation request changes what its triggers do. */
const STATES = {
  queued: { status: 'queued', attempts: 1, workerId: null, deliveryId: 'delivery-1', cancelRequested: false },
  running: { status: 'running', attempts: 1, workerId: 'worker-1', deliveryId: null, cancelRequested: false },
  'running, cancel requested': {
    status: 'running',
    attempts: 1,
    workerId: 'worker-1',
    deliveryId: null,
    cancelRequested: true,
  },
  succeeded: { status: 'succeeded', attempts: 1, workerId: null, deliveryId: null, cancelRequested: false },
  failed: { status: 'failed', attempts: 1, workerId: null, deliveryId: null, cancelRequested: false },
  cancelled: { status: 'cancelled', attempts: 1, workerId: null, deliveryId: null, cancelRequested: false },
} as const satisfies Record<string, Omit<JobSnapshot, 'maxAttempts' | 'error' | 'hasWebhook'>>;
type State = keyof typeof STATES;

const fence = { jobId: 'job-1', workerId: 'worker-1', attempt: 1 };
const ended = (outcome: AttemptOutcome): JobTrigger => ({ kind: 'attempt-end', end: { fence, outcome } });

/** Every trigger, each attempt outcome on its own. */
const TRIGGERS = {
  claim: { kind: 'claim', workerId: 'worker-2', deliveryId: 'delivery-1' },
  cancel: { kind: 'cancel' },
  retry: { kind: 'retry' },
  'attempt succeeded': ended({ kind: 'succeeded', result: { answer: 42 } }),
  'attempt failed': ended({ kind: 'failed', error: PROBLEM }),
  'attempt cancelled': ended({ kind: 'cancelled' }),
  'attempt requeued after a failure': ended({
    kind: 'requeued',
    reason: 'attempt-failed',
    runAfter: LATER,
    error: PROBLEM,
  }),
  'attempt handed back at shutdown': ended({ kind: 'requeued', reason: 'shutdown', runAfter: NOW }),
  'worker lost': { kind: 'worker-lost' },
} as const satisfies Record<string, JobTrigger>;
type Trigger = keyof typeof TRIGGERS;

/** A move, by what a reader of the job sees: its status, attempts, last event, and the queues woken. */
interface Moved {
  readonly status: JobSnapshot['status'];
  readonly attempts: number;
  readonly event: string;
  readonly wakes: readonly ('run' | 'webhook')[];
}
type Expected = 'unchanged' | 'cancel-requested' | Moved;

const U = 'unchanged' as const;
const cancelledFinal: Moved = {
  status: 'cancelled',
  attempts: 1,
  event: 'job-cancelled',
  wakes: ['webhook'],
};

/** The state machine of docs/jobs.md, pair by pair (jobs here have a webhook and 1 of 3 attempts used). */
const TABLE: Record<State, Record<Trigger, Expected>> = {
  queued: {
    claim: { status: 'running', attempts: 2, event: 'job-started', wakes: [] },
    cancel: cancelledFinal,
    retry: U,
    'attempt succeeded': U,
    'attempt failed': U,
    'attempt cancelled': U,
    'attempt requeued after a failure': U,
    'attempt handed back at shutdown': U,
    'worker lost': U,
  },
  running: {
    claim: U,
    cancel: 'cancel-requested',
    retry: U,
    'attempt succeeded': { status: 'succeeded', attempts: 1, event: 'job-succeeded', wakes: ['webhook'] },
    'attempt failed': { status: 'failed', attempts: 1, event: 'job-failed', wakes: ['webhook'] },
    'attempt cancelled': cancelledFinal,
    'attempt requeued after a failure': {
      status: 'queued',
      attempts: 1,
      event: 'job-requeued',
      wakes: ['run'],
    },
    'attempt handed back at shutdown': {
      status: 'queued',
      attempts: 0,
      event: 'job-requeued',
      wakes: ['run'],
    },
    'worker lost': { status: 'queued', attempts: 1, event: 'job-requeued', wakes: ['run'] },
  },
  'running, cancel requested': {
    claim: U,
    cancel: U,
    retry: U,
    'attempt succeeded': { status: 'succeeded', attempts: 1, event: 'job-succeeded', wakes: ['webhook'] },
    'attempt failed': { status: 'failed', attempts: 1, event: 'job-failed', wakes: ['webhook'] },
    'attempt cancelled': cancelledFinal,
    // A retry the worker was about to schedule becomes the cancellation.
    'attempt requeued after a failure': cancelledFinal,
    'attempt handed back at shutdown': cancelledFinal,
    'worker lost': cancelledFinal,
  },
  succeeded: allUnchanged(),
  failed: {
    ...allUnchanged(),
    retry: { status: 'queued', attempts: 0, event: 'job-requeued', wakes: ['run'] },
  },
  cancelled: allUnchanged(),
};

function allUnchanged(): Record<Trigger, Expected> {
  return Object.fromEntries(Object.keys(TRIGGERS).map((trigger) => [trigger, U])) as Record<
    Trigger,
    Expected
  >;
}

function job(state: State, overrides: Partial<JobSnapshot> = {}): JobSnapshot {
  return { ...STATES[state], maxAttempts: 3, error: null, hasWebhook: true, ...overrides };
}

function seen(result: JobTransition): Expected {
  if (result.kind !== 'moved') return result.kind;
  const { change } = result;
  return {
    status: change.status,
    attempts: change.attempts,
    event: change.events.at(-1)?.type ?? '',
    wakes: change.available.map((queue) => (queue === capabilityRunJob.name ? 'run' : 'webhook')),
  };
}

function moved(result: JobTransition) {
  if (result.kind !== 'moved') throw new Error(`expected a move, got ${result.kind}`);
  return result.change;
}

describe('job transitions', () => {
  const pairs = (Object.keys(TABLE) as State[]).flatMap((state) =>
    (Object.keys(TRIGGERS) as Trigger[]).map((trigger) => [state, trigger] as const),
  );

  it('has a row for every state and a column for every trigger', () => {
    expect(pairs).toHaveLength(Object.keys(STATES).length * Object.keys(TRIGGERS).length);
  });

  it.each(pairs)('%s + %s', (state, trigger) => {
    expect(seen(transition(job(state), TRIGGERS[trigger], NOW))).toEqual(TABLE[state][trigger]);
  });

  it('starts an attempt only for the delivery the job names, on the worker that claimed it', () => {
    expect(transition(job('queued'), { kind: 'claim', workerId: 'w', deliveryId: 'stale' }, NOW).kind).toBe(
      'unchanged',
    );
    const change = moved(transition(job('queued'), TRIGGERS.claim, NOW));
    expect(change).toMatchObject({
      workerId: 'worker-2',
      runAfter: null,
      finished: false,
      queueAttempt: null,
    });
    expect(change.events).toEqual([{ type: 'job-started', data: { attempt: 2 } }]);
  });

  it('ignores an attempt end whose fence no longer holds: another worker, or an earlier attempt', () => {
    const outcome: AttemptOutcome = { kind: 'succeeded', result: 1 };
    const otherWorker = { ...fence, workerId: 'worker-2' };
    const earlierAttempt = { ...fence, attempt: 0 };
    for (const stale of [otherWorker, earlierAttempt]) {
      expect(
        transition(job('running'), { kind: 'attempt-end', end: { fence: stale, outcome } }, NOW).kind,
      ).toBe('unchanged');
    }
  });

  it('records what a terminal move keeps: the result of a success, the problem of a failure, none otherwise', () => {
    const withEarlierError = job('running', { error: PROBLEM });
    expect(moved(transition(withEarlierError, TRIGGERS['attempt succeeded'], NOW))).toMatchObject({
      result: { answer: 42 },
      error: null,
      finished: true,
      queueWebhook: 'job-succeeded',
    });
    expect(moved(transition(job('running'), TRIGGERS['attempt failed'], NOW))).toMatchObject({
      error: PROBLEM,
      queueWebhook: 'job-failed',
    });
    expect(moved(transition(withEarlierError, TRIGGERS['attempt cancelled'], NOW)).error).toBeNull();
  });

  it('queues the next attempt of a requeued job after its backoff, keeping the problem that caused it', () => {
    const change = moved(transition(job('running'), TRIGGERS['attempt requeued after a failure'], NOW));
    expect(change).toMatchObject({
      runAfter: LATER,
      queueAttempt: { startAfter: LATER },
      queueWebhook: null,
      error: PROBLEM,
      cancelRequest: 'keep',
    });
    expect(change.events.at(-1)?.data).toEqual({
      reason: 'attempt-failed',
      attempt: 1,
      run_after: LATER.toISOString(),
      error: PROBLEM,
    });
  });

  it('gives a retried job a fresh budget and forgets an earlier cancellation request', () => {
    const change = moved(transition(job('failed', { error: PROBLEM }), TRIGGERS.retry, NOW));
    expect(change).toMatchObject({
      attempts: 0,
      error: null,
      cancelRequest: 'clear',
      queueAttempt: { startAfter: null },
    });
  });

  it('fails a job whose worker was lost on its last attempt (dead letter) with JOB_WORKER_LOST', () => {
    const change = moved(transition(job('running', { attempts: 3 }), TRIGGERS['worker lost'], NOW));
    expect(change).toMatchObject({
      status: 'failed',
      error: { code: 'JOB_WORKER_LOST' },
      queueWebhook: 'job-failed',
    });
  });

  it('wakes no queue when a job without a webhook is cancelled, and only the run queue on a requeue', () => {
    const bare = (state: State) => job(state, { hasWebhook: false });
    expect(moved(transition(bare('queued'), TRIGGERS.cancel, NOW))).toMatchObject({
      queueWebhook: null,
      available: [],
    });
    expect(moved(transition(bare('running'), TRIGGERS['attempt succeeded'], NOW)).available).toEqual([]);
    expect(moved(transition(bare('running'), TRIGGERS['worker lost'], NOW)).available).toEqual([
      capabilityRunJob.name,
    ]);
    expect(moved(transition(job('queued'), TRIGGERS.cancel, NOW)).available).toEqual([webhookSendJob.name]);
  });
});

describe('attempt outcomes', () => {
  const policy = { attempts: 2, maxAttempts: 3, backoff: { initialMs: 1_000, maxMs: 3_000 } };
  const timedOut = new AppError(jobErrors.JOB_TIMED_OUT);

  it('requeues a retryable failure with attempts left after the backoff', () => {
    expect(failedAttemptOutcome(policy, timedOut, NOW, () => 0)).toEqual({
      kind: 'requeued',
      reason: 'attempt-failed',
      runAfter: new Date(NOW.getTime() + 1_000),
      error: expect.objectContaining({ code: 'JOB_TIMED_OUT' }),
    });
  });

  it("waits for the provider's Retry-After when it is longer than the backoff", () => {
    const limited = new AppError(jobErrors.JOB_TIMED_OUT, { headers: { 'retry-after': '30' } });
    const outcome = failedAttemptOutcome(policy, limited, NOW, () => 1);
    expect(outcome).toMatchObject({ kind: 'requeued', runAfter: new Date(NOW.getTime() + 30_000) });
  });

  it('fails for good on a non-retryable error or the last attempt', () => {
    const unknown = new AppError(jobErrors.JOB_CAPABILITY_UNKNOWN);
    expect(failedAttemptOutcome(policy, unknown, NOW).kind).toBe('failed');
    expect(failedAttemptOutcome({ ...policy, attempts: 3 }, timedOut, NOW).kind).toBe('failed');
  });

  it('doubles the backoff per attempt, with jitter between half and all of it, up to the cap', () => {
    const backoff = { initialMs: 1_000, maxMs: 3_000 };
    expect([1, 2, 3, 4].map((attempt) => backoffMs(backoff, attempt, () => 1))).toEqual([
      1_000, 2_000, 3_000, 3_000,
    ]);
    expect(backoffMs(backoff, 2, () => 0)).toBe(1_000);
  });

  it('requeues a lost attempt at once while attempts remain, else fails it with JOB_WORKER_LOST', () => {
    expect(lostAttemptOutcome({ attempts: 1, maxAttempts: 2 }, NOW, 'gone')).toEqual({
      kind: 'requeued',
      reason: 'worker-lost',
      runAfter: NOW,
    });
    expect(lostAttemptOutcome({ attempts: 2, maxAttempts: 2 }, NOW, 'gone')).toMatchObject({
      kind: 'failed',
      error: { code: 'JOB_WORKER_LOST', detail: 'gone' },
    });
  });
});
