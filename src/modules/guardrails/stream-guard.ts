import type { Guardrail } from './define-guardrail.ts';
import { blocked, type GuardrailSession } from './guardrail-session.ts';

/**
 * Output checks over a stream of text, on a sliding window: the last `holdBack` characters are held until
 * the text after them shows they are clean, so a span a policy blocks is found before any of it is released
 * (the caller then ends the stream with an `error`), and a span it redacts is replaced before it is sent.
 * Policies that need the whole text (`window: 'whole'`, a classifier) run in `finish`, before `done`.
 */
export class StreamGuard {
  readonly #session: GuardrailSession;
  readonly #windowed: Guardrail[];
  readonly #whole: Guardrail[];
  readonly #holdBack: number;
  /** Text released so far, its last `#context` characters kept for checks that straddle a release. */
  #tail = '';
  #released = 0;
  #pending = '';
  #full = '';
  #wholeChecked = -1;
  readonly #context: number;

  constructor(session: GuardrailSession, policies: readonly Guardrail[] = session.at('output')) {
    this.#session = session;
    this.#windowed = policies.filter((policy) => policy.window !== 'whole');
    this.#whole = policies.filter((policy) => policy.window === 'whole');
    this.#holdBack = Math.max(
      0,
      ...this.#windowed.map((policy) => (policy.window === 'whole' ? 0 : policy.window)),
    );
    this.#context = this.#holdBack;
  }

  /** Whether the guard has anything to check (no output policies: text passes through untouched). */
  get active(): boolean {
    return this.#windowed.length > 0 || this.#whole.length > 0;
  }

  /** Takes the next piece of text; returns what may be sent now (maybe ''). Throws GUARDRAIL_BLOCKED. */
  async push(delta: string): Promise<string> {
    if (!this.active) return delta;
    this.#pending += delta;
    await this.#scan();
    const cut = this.#pending.length - this.#holdBack;
    if (cut <= 0) return '';
    return this.#release(cut);
  }

  /** The end of the stream: the held text, once the whole-text policies passed. Throws GUARDRAIL_BLOCKED. */
  async finish(): Promise<string> {
    if (!this.active) return '';
    await this.#scan(true);
    const complete = this.#full + this.#pending;
    if (this.#whole.length > 0 && complete.length !== this.#wholeChecked) {
      this.#wholeChecked = complete.length;
      await this.#session.checkText(complete, 'output', { policies: this.#whole, record: false });
    }
    return this.#release(this.#pending.length);
  }

  async #scan(final = false): Promise<void> {
    if (this.#windowed.length === 0 || this.#pending === '') return;
    const tail = this.#tail;
    let text = tail + this.#pending;
    for (const policy of this.#windowed) {
      // Flags are recorded by the check of the complete output; here only block and redact act.
      if (policy.action === 'flag') continue;
      const findings = (
        await policy.check(text, {
          stage: 'output',
          known: this.#session.known,
          offset: this.#released - tail.length,
        })
      ).filter(
        // Released text is not checked again, and a span that reaches the end of what arrived may still
        // grow (`bo@example.or` before its `g`): it is held and judged with the next piece.
        (finding) => finding.end > tail.length && (final || finding.end < text.length),
      );
      if (findings.length === 0) continue;
      if (policy.action === 'block') {
        this.#session.record(policy, 'output', findings);
        throw blocked(policy, 'output', findings);
      }
      const held = findings
        .filter((finding) => finding.start >= tail.length)
        .map((finding) => ({
          ...finding,
          start: finding.start - tail.length,
          end: finding.end - tail.length,
        }));
      this.#pending = this.#session.redactSpans(this.#pending, held, false);
      text = tail + this.#pending;
    }
  }

  #release(length: number): string {
    const released = this.#pending.slice(0, length);
    this.#pending = this.#pending.slice(length);
    this.#full += released;
    this.#released += released.length;
    this.#tail = (this.#tail + released).slice(-this.#context);
    return released;
  }
}
