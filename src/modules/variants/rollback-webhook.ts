import { randomUUID } from 'node:crypto';
import { createOutboundFetch, createOutboundPolicy } from '../../platform/net/index.ts';
import { signWebhook } from '../jobs/index.ts';
import type { VariantEvent } from './variant.types.ts';

export interface VariantWebhookSettings {
  /** Receives a signed POST per promotion and rollback (automatic ones included). */
  readonly url: string;
  readonly secret: string;
  readonly attempts: number;
  readonly timeoutMs: number;
  /** Non-public targets it may reach anyway (`KEEL_OUTBOUND_ALLOW`). */
  readonly allowedTargets: readonly string[];
}

/**
 * Sends variant events to the configured webhook, signed like job webhooks (Standard Webhooks headers,
 * `webhook-id` the event id, so receivers deduplicate retries), through the outbound guard. Resolves with
 * whether a 2xx came back within the attempts.
 */
export class VariantWebhook {
  readonly #settings: VariantWebhookSettings;
  readonly #fetch: typeof fetch;
  readonly #userAgent: string;

  constructor(settings: VariantWebhookSettings, userAgent: string, fetcher?: typeof fetch) {
    this.#settings = settings;
    this.#userAgent = userAgent;
    this.#fetch = fetcher ?? createOutboundFetch({ policy: createOutboundPolicy(settings.allowedTargets) });
  }

  async send(event: VariantEvent, policy: unknown): Promise<boolean> {
    const body = JSON.stringify({
      type: `variant-${event.type}`,
      event_id: event.id,
      capability: event.capability,
      version: event.version,
      details: event.details,
      policy,
      created_at: event.createdAt.toISOString(),
    });
    for (let attempt = 1; attempt <= this.#settings.attempts; attempt++) {
      const headers = signWebhook(
        this.#settings.secret,
        event.id || randomUUID(),
        Math.floor(Date.now() / 1000),
        body,
      );
      try {
        const response = await this.#fetch(this.#settings.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': this.#userAgent, ...headers },
          body,
          redirect: 'manual',
          signal: AbortSignal.timeout(this.#settings.timeoutMs),
        });
        await response.body?.cancel().catch(() => {});
        if (response.status >= 200 && response.status < 300) return true;
      } catch {
        // Unreachable, refused or timed out: retried below, then reported as `failed` on the event.
      }
      if (attempt < this.#settings.attempts)
        await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt));
    }
    return false;
  }
}
