import type pg from 'pg';
import { NotificationBatcher, splitMessage } from './notification-batcher.ts';
import { assertChannel, type Notifier } from './notifier.port.ts';

export interface PostgresNotifierOptions {
  /** Runs NOTIFY; any pooled connection will do. */
  readonly pool: pg.Pool;
  /** Opens the dedicated connection LISTEN needs (a pooled one would be handed to someone else). */
  readonly connect: () => Promise<pg.Client>;
  readonly onError: (error: Error) => void;
}

/**
 * LISTEN/NOTIFY on the PostgreSQL server every Keel process shares. The listening connection reconnects
 * with backoff; after a reconnect every listener is told it may have missed something.
 */
export class PostgresNotifier implements Notifier {
  readonly kind = 'postgres' as const;
  readonly #options: PostgresNotifierOptions;
  readonly #listeners = new Map<string, Set<(payload: string | undefined) => void>>();
  readonly #batcher: NotificationBatcher;
  #client: pg.Client | undefined;
  #connecting: Promise<void> | undefined;
  readonly #publishing = new Set<Promise<unknown>>();
  #closed = false;
  #retryMs = 100;

  constructor(options: PostgresNotifierOptions) {
    this.#options = options;
    this.#batcher = new NotificationBatcher((channel, message) => {
      const sent = options.pool
        .query('select pg_notify($1, $2)', [channel, message])
        .catch((error: unknown) => {
          options.onError(asError(error));
        });
      this.#publishing.add(sent);
      void sent.finally(() => this.#publishing.delete(sent));
    });
  }

  /** Connects the listener; call before serving so the first notifications are not missed. */
  async start(): Promise<void> {
    await this.#connect();
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
      const client = this.#client;
      if (client) {
        client.query(`listen ${channel}`).catch((error: unknown) => this.#lost(client, asError(error)));
      }
    }
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#batcher.drain();
    await Promise.all(this.#publishing);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => {});
  }

  async #connect(): Promise<void> {
    this.#connecting ??= (async () => {
      const client = await this.#options.connect();
      client.on('notification', (message) => this.#deliver(message.channel, message.payload));
      client.on('error', (error) => this.#lost(client, error));
      client.on('end', () => this.#lost(client, new Error('listener connection ended')));
      await client.connect();
      for (const channel of this.#listeners.keys()) await client.query(`listen ${channel}`);
      if (this.#closed) {
        await client.end().catch(() => {});
        return;
      }
      this.#client = client;
      this.#retryMs = 100;
    })().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  #deliver(channel: string, message: string | undefined): void {
    const listeners = this.#listeners.get(channel);
    if (!listeners) return;
    for (const payload of message === undefined ? [undefined] : splitMessage(message)) {
      for (const listener of listeners) listener(payload);
    }
  }

  #lost(client: pg.Client, error: Error): void {
    if (this.#closed || this.#client !== client) return;
    this.#client = undefined;
    client.end().catch(() => {});
    this.#options.onError(error);
    this.#reconnectLater();
  }

  #reconnectLater(): void {
    const delay = this.#retryMs;
    this.#retryMs = Math.min(this.#retryMs * 2, 5_000);
    setTimeout(() => {
      if (this.#closed) return;
      this.#connect().then(
        () => {
          // Whatever was published while we were away is lost: tell every listener to re-read.
          for (const channel of this.#listeners.keys()) this.#deliver(channel, undefined);
        },
        (error: unknown) => {
          this.#options.onError(asError(error));
          this.#reconnectLater();
        },
      );
    }, delay).unref();
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
