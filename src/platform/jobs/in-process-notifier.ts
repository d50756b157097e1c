import { EventEmitter } from 'node:events';
import { NotificationBatcher, splitMessage } from './notification-batcher.ts';
import { assertChannel, type Notifier } from './notifier.port.ts';

/** Notifications within one process: the embedded setup (one process holds the PGlite database). */
export class InProcessNotifier implements Notifier {
  readonly kind = 'in-process' as const;
  readonly #emitter = new EventEmitter();
  readonly #batcher = new NotificationBatcher((channel, message) => this.#emitter.emit(channel, message));

  constructor() {
    this.#emitter.setMaxListeners(0);
  }

  publish(channel: string, payload: string): void {
    assertChannel(channel);
    this.#batcher.add(channel, payload);
  }

  subscribe(channel: string, listener: (payload: string | undefined) => void): () => void {
    assertChannel(channel);
    const onMessage = (message: string) => {
      for (const payload of splitMessage(message)) listener(payload);
    };
    this.#emitter.on(channel, onMessage);
    return () => this.#emitter.off(channel, onMessage);
  }

  async close(): Promise<void> {
    this.#batcher.drain();
    this.#emitter.removeAllListeners();
  }
}
