/**
 * Collects publishes made during one tick and hands them over once per channel, without duplicates, split
 * so no message exceeds `maxBytes` (PostgreSQL's NOTIFY payload limit is 8000 bytes).
 */
export class NotificationBatcher {
  readonly #pending = new Map<string, Set<string>>();
  readonly #flush: (channel: string, message: string) => void;
  readonly #maxBytes: number;
  #scheduled = false;

  constructor(flush: (channel: string, message: string) => void, maxBytes = 7_900) {
    this.#flush = flush;
    this.#maxBytes = maxBytes;
  }

  add(channel: string, payload: string): void {
    if (payload.includes('\n')) throw new TypeError('notification payloads cannot contain newlines');
    let payloads = this.#pending.get(channel);
    if (!payloads) {
      payloads = new Set();
      this.#pending.set(channel, payloads);
    }
    payloads.add(payload);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.drain());
    }
  }

  drain(): void {
    this.#scheduled = false;
    const pending = [...this.#pending];
    this.#pending.clear();
    for (const [channel, payloads] of pending) {
      let message = '';
      for (const payload of payloads) {
        if (message !== '' && message.length + payload.length + 1 > this.#maxBytes) {
          this.#flush(channel, message);
          message = '';
        }
        message = message === '' ? payload : `${message}\n${payload}`;
      }
      if (message !== '') this.#flush(channel, message);
    }
  }
}

export function splitMessage(message: string): string[] {
  return message.split('\n');
}
