/**
 * Cross-process wake-ups: "something changed, go and read it". Payloads are short hints (a job id, a queue
 * name); the data itself is always read from the database, so a lost notification costs latency, never
 * correctness, and listeners also poll as a backstop.
 */
export interface Notifier {
  readonly kind: 'in-process' | 'postgres' | 'redis';
  /**
   * Publishes to every process listening on `channel`, this one included. Fire-and-forget: publishes made
   * in the same tick are coalesced (duplicates dropped) into one message per channel.
   */
  publish(channel: string, payload: string): void;
  /**
   * Calls `listener` with each payload published on `channel`, or with `undefined` when notifications may
   * have been missed (a reconnect): the listener should then re-read everything it follows.
   */
  subscribe(channel: string, listener: (payload: string | undefined) => void): () => void;
  close(): Promise<void>;
}

/** Channel names: lower-case, `keel_` prefixed, valid as PostgreSQL identifiers. */
export function assertChannel(channel: string): void {
  if (!/^keel_[a-z0-9_]{1,50}$/.test(channel))
    throw new TypeError(`invalid notification channel "${channel}"`);
}
