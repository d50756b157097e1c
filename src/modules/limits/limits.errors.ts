import { defineErrors } from '../../platform/errors/index.ts';

export const limitErrors = defineErrors({
  LIMIT_REQUESTS_EXCEEDED: {
    status: 429,
    title: 'Too many requests for this API key',
    category: 'user',
    retryable: true,
    description:
      'The key sent more requests in the last minute than its `requests_per_minute` allows (counted across every Keel process when Redis is configured). Wait `retry-after` seconds; `RateLimit-*` headers give the limit and what remains.',
  },
  LIMIT_TOKENS_EXCEEDED: {
    status: 429,
    title: 'Too many model tokens for this API key',
    category: 'user',
    retryable: true,
    description:
      "The call's estimated tokens (prompt + `max_tokens`) would take the key over its `tokens_per_minute`. Estimates are settled to the real usage after each call. Wait `retry-after` seconds.",
  },
  LIMIT_TOKENS_TOO_LARGE: {
    status: 413,
    title: 'This model call is larger than the key may spend in a minute',
    category: 'user',
    retryable: false,
    description:
      "The single call's estimated tokens exceed the key's whole `tokens_per_minute`, so waiting will not help. Shorten the input, lower `max_tokens`, or raise the key's limit.",
  },
  LIMIT_STREAMS_EXCEEDED: {
    status: 429,
    title: 'Too many open streams for this API key',
    category: 'user',
    retryable: true,
    description:
      'The key already holds its `concurrent_streams` open streaming responses. Close one (or wait for one to end) and retry.',
  },
  LIMIT_BUDGET_EXHAUSTED: {
    status: 429,
    title: 'The spend budget of this API key is used up',
    category: 'user',
    retryable: true,
    description:
      'The key has spent its budget for the current period (`budget.usd` per `budget.period`, UTC), or this call could take it over. No model is called. `retry-after` says when the period ends; `spent_usd` and `budget_usd` give the figures.',
  },
  LIMIT_AUTH_FAILURES: {
    status: 429,
    title: 'Too many refused API keys from this address',
    category: 'user',
    retryable: true,
    description:
      'This client address sent more than `KEEL_AUTH_FAILURES_PER_MINUTE` refused keys (unknown, wrong, revoked, expired or malformed) in the last minute, so further refused keys get this instead of 401 until the window slides. Valid keys still work. Wait `retry-after` seconds and check the key you send.',
  },
  LIMIT_STORE_UNAVAILABLE: {
    status: 503,
    title: 'Limits cannot be checked right now',
    category: 'system',
    retryable: true,
    description:
      'The store that holds rate-limit and budget counters (Redis, with `REDIS_URL`) did not answer. Keel fails closed rather than let limits and budgets be bypassed; `/readyz` reports the same problem.',
  },
  SERVICE_OVERLOADED: {
    status: 503,
    title: 'The service is overloaded',
    category: 'system',
    retryable: true,
    description:
      "This process's event loop is lagging beyond `KEEL_MAX_EVENT_LOOP_DELAY_MS`, so it sheds new requests instead of answering every one slowly. Retry after `retry-after` seconds, ideally on another process.",
  },
});
