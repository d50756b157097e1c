import type { Redis } from 'ioredis';
import { ioredisDriver } from '../redis/index.ts';
import { NotificationBatcher, splitMessage } from './notification-batcher.ts';
import { assertChannel, type Notifier } from './notifier.port.ts';

export interface RedisNotifierOptions {
  readonly url: string;
  readonly onError: (error: Error) => void;
}

/** Redis pub/sub, for deployments that prefer it to LISTEN/NOTIFY (`REDIS_URL`). */
export class RedisNotifier implements Notifier {
  readonly kind = 'redis' as const;
  readonly #publisher: Redis;
  readonly #subscriber: Redis;
  readonly #listeners = new Map<string, Set<(payload: string | undefined) => void>>();
  readonly #batcher: NotificationBatcher;
  readonly #publishing = new Set<Promise<unknown>>();
  #readyOnce = false;

  constructor(options: RedisNotifierOptions) {
    const { Redis: RedisClient } = ioredisDriver();
    this.#publisher = new RedisClient(options.url, { lazyConnect: true, maxRetriesPerRequest: 2 });
    this.#subscriber = new RedisClient(options.url, { lazyConnect: true });
    for (const client of [this.#publisher, this.#subscriber]) client.on('error', options.onError);
    this.#subscriber.on('message', (channel: string, message: string) => {
      const listeners = this.#listeners.get(channel);
      if (!listeners) return;
      for (const payload of splitMessage(message)) for (const listener of listeners) listener(payload);
    });
    // ioredis re-subscribes after a reconnect; what was published in between is lost.
    this.#subscriber.on('ready', () => {
      if (!this.#readyOnce) {
        this.#readyOnce = true;
        return;
      }
      for (const listeners of this.#listeners.values()) for (const listener of listeners) listener(undefined);
    });
    this.#batcher = new NotificationBatcher((channel, message) => {
      const sent = this.#publisher.publish(channel, message).catch(options.onError);
      this.#publishing.add(sent);
      void sent.finally(() => this.#publishing.delete(sent));
    });
  }

  async start(): Promise<void> {
    await Promise.all([this.#publisher.connect(), this.#subscriber.connect()]);
  }

  publish(channel: string, payload: string): void {
    assertChannel(channel);
    this.#batcher.add(channel, payload);
  }

  subscribe(channel: string, listener: (payload: string | undefined) => void): () => void {
    assertChannel(channel);
    let set = this.#listeners.get(channel);
    if (!set) {
      set = new Set();
      this.#listeners.set(channel, set);
      this.#subscriber.subscribe(channel).catch(() => {});
    }
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  async close(): Promise<void> {
    this.#batcher.drain();
    await Promise.all(this.#publishing);
    await Promise.all(
      [this.#publisher, this.#subscriber].map((client) => client.quit().catch(() => client.disconnect())),
    );
  }
}
