import type { CapabilityEvent, Clock, InvocationReporter, StepHandle } from '../capabilities/index.ts';
import type { GuardrailDecision } from '../guardrails/index.ts';
import type { NewJobEvent, StepRecord } from './job.types.ts';
import type { AttemptFence, AttemptJournal } from './job-store.port.ts';

/** Events reported in a burst (token deltas) are written together, at most this long after the first. */
const FLUSH_DELAY_MS = 20;
const FLUSH_SIZE = 200;
const STEP_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;

/**
 * The reporter of one job attempt: `emit` and `progress` become job events (buffered briefly, written in
 * order), and `step` is journaled so a redelivered job skips what already succeeded. Every write is fenced
 * by the attempt; a write refused because the attempt lost its lease calls `onLeaseLost`.
 */
export class AttemptReporter implements InvocationReporter {
  readonly #store: AttemptJournal;
  readonly #fence: AttemptFence;
  readonly #clock: Clock;
  readonly #onLeaseLost: () => void;
  #buffer: NewJobEvent[] = [];
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();
  #journal: Promise<Map<string, StepRecord>> | undefined;
  readonly #stepsRun = new Set<string>();
  #lost = false;

  constructor(store: AttemptJournal, fence: AttemptFence, clock: Clock, onLeaseLost: () => void) {
    this.#store = store;
    this.#fence = fence;
    this.#clock = clock;
    this.#onLeaseLost = onLeaseLost;
  }

  emit(event: CapabilityEvent): void {
    if (event.type === 'text-delta') this.#add({ type: 'text-delta', data: { delta: event.delta } });
    else if (event.type === 'object-delta')
      this.#add({ type: 'object-delta', data: { partial: event.partial } });
    else throw new TypeError(`unknown capability event type ${String((event as { type: unknown }).type)}`);
  }

  /** A guardrail decision of the attempt's call: the same payload as a capability stream's `guardrail` event. */
  guardrail(decision: GuardrailDecision): void {
    this.#add({
      type: 'guardrail',
      data: {
        policy: decision.policy,
        stage: decision.stage,
        action: decision.action,
        kinds: [...decision.kinds],
        count: decision.count,
      },
    });
  }

  progress(fraction: number, message: string | undefined): void {
    if (!Number.isFinite(fraction) || fraction < 0 || fraction > 1) {
      throw new RangeError(`progress fraction must be between 0 and 1, got ${fraction}`);
    }
    this.#add({ type: 'job-progress', data: { fraction, ...(message === undefined ? {} : { message }) } });
  }

  async step<T>(name: string, run: (step: StepHandle) => Promise<T>): Promise<T> {
    if (!STEP_NAME.test(name))
      throw new TypeError(`step name "${name}" must be 1-100 letters, digits, . _ : -`);
    if (this.#stepsRun.has(name))
      throw new TypeError(`step "${name}" ran twice in one attempt; step names must be unique`);
    this.#stepsRun.add(name);
    const done = (await this.#loadJournal()).get(name);
    if (done) {
      this.#add({ type: 'step-skipped', data: { step: name, completed_in_attempt: done.attempt } });
      return structuredClone(done.result) as T;
    }
    const startedAt = this.#clock.now();
    this.#add({ type: 'step-started', data: { step: name, attempt: this.#fence.attempt } });
    // The lease check before the effect: `step-started` is a fenced write, and it must land. A worker that
    // was paused or cut off past its lease finds here that the job is someone else's, and stops.
    await this.#write(this.#take(), undefined, { required: true });
    if (this.#lost) throw new Error(`step "${name}" not run: the attempt lost its lease`);
    let result: T;
    try {
      result = await run({ key: `${this.#fence.jobId}:${name}` });
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      this.#add({ type: 'step-failed', data: { step: name, ...(typeof code === 'string' ? { code } : {}) } });
      throw error;
    }
    // The journal keeps JSON; the caller gets the same JSON now as a replay would give it later.
    const stored = result === undefined ? null : (JSON.parse(JSON.stringify(result)) as unknown);
    const events = [...this.#take(), { type: 'step-succeeded' as const, data: { step: name } }];
    await this.#write(events, { name, result: stored, startedAt });
    if (this.#lost) throw new Error(`step "${name}" finished after the attempt lost its lease`);
    return stored as T;
  }

  /** Writes what is buffered now. */
  flush(): Promise<void> {
    return this.#write(this.#take());
  }

  /** The events not written yet, to go in the same transaction as the attempt's outcome. */
  async drain(): Promise<NewJobEvent[]> {
    await this.#writing;
    return this.#take();
  }

  #add(event: NewJobEvent): void {
    if (this.#lost) return;
    this.#buffer.push(event);
    if (this.#buffer.length >= FLUSH_SIZE) void this.flush();
    else this.#timer ??= setTimeout(() => void this.flush(), FLUSH_DELAY_MS);
  }

  #take(): NewJobEvent[] {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    const events = this.#buffer;
    this.#buffer = [];
    return events;
  }

  #write(
    events: NewJobEvent[],
    step?: { name: string; result: unknown; startedAt: Date },
    options: { readonly required?: boolean } = {},
  ): Promise<void> {
    if (events.length === 0 && !step) return this.#writing;
    // Chained, so events land in the order they were reported.
    const run = this.#writing.then(async () => {
      if (this.#lost) return;
      let written: number | undefined;
      try {
        written = await this.#store.appendEvents(this.#fence, events, this.#clock.now(), step);
      } catch (error) {
        // Kept for the outcome's transaction; a step must not pass unjournaled, so its caller sees the error.
        this.#buffer.unshift(...events.filter((event) => event.type !== 'step-succeeded'));
        if (step || options.required) throw error;
        return;
      }
      if (written === undefined) {
        this.#lost = true;
        this.#onLeaseLost();
      }
    });
    this.#writing = run.catch(() => {});
    return run;
  }

  #loadJournal(): Promise<Map<string, StepRecord>> {
    this.#journal ??= this.#store
      .steps(this.#fence.jobId)
      .then((steps) => new Map(steps.map((step) => [step.name, step])));
    return this.#journal;
  }
}
