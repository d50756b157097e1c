import { defineErrors } from '../../platform/errors/index.ts';

export const gatewayErrors = defineErrors({
  MODEL_NOT_CONFIGURED: {
    status: 503,
    title: 'No model is configured for this call',
    category: 'system',
    retryable: false,
    description:
      'The call needs a model (the generative model, or the alias it asked for) and none is configured, or every deployment of it lacks its key. Set `OPENAI_API_KEY` (OpenAI), `OPENAI_BASE_URL` and `KEEL_MODEL` (any OpenAI-compatible server such as Ollama, vLLM, llama.cpp or LM Studio), or `ANTHROPIC_API_KEY`, or declare the alias in `keel.config.ts`, then restart. Keel never invents an answer.',
  },
  GATEWAY_MODEL_NOT_FOUND: {
    status: 404,
    title: 'No such model',
    category: 'user',
    retryable: false,
    description:
      'The `model` of an OpenAI-compatible request is neither a configured alias nor a configured `provider:model`. `GET /openai/v1/models` lists the accepted names.',
  },
  GATEWAY_RATE_LIMITED: {
    status: 429,
    title: 'The model provider is rate limiting',
    category: 'third_party',
    retryable: true,
    description:
      'The upstream provider answered 429 on every attempt Keel made (or asked to wait longer than Keel may). `retry-after` is passed on when the provider sent one; `upstream_status` gives its status.',
  },
  GATEWAY_PROVIDER_TIMEOUT: {
    status: 504,
    title: 'The model provider did not answer in time',
    category: 'third_party',
    retryable: true,
    description:
      'The provider did not answer before the deadline (or answered 408): no response, no first token, or a stream that went silent for longer than the idle timeout. Retrying later may succeed.',
  },
  GATEWAY_UPSTREAM_ERROR: {
    status: 502,
    title: 'The model provider failed',
    category: 'third_party',
    retryable: true,
    description:
      "The provider answered with an error status, an unreadable body, an error inside a 200, or dropped the connection, on every attempt and fallback. Mid-stream it arrives as the stream's `error` event. `upstream_status` gives its status when there was one.",
  },
  GATEWAY_REQUEST_REJECTED: {
    status: 502,
    title: 'The model provider rejected the request',
    category: 'third_party',
    retryable: false,
    description:
      'The provider answered 4xx (other than 408, 409 and 429), for example an unknown model, a bad key or a prompt over the context window. Check the model id and the provider key; `upstream_status` gives its status.',
  },
  GATEWAY_REQUEST_INVALID: {
    status: 400,
    title: 'The request cannot be sent to this model',
    category: 'user',
    retryable: false,
    description:
      'The model cannot take what was asked of it (for example a content type or a tool setting its provider does not support). Nothing was sent upstream.',
  },
  GATEWAY_OUTPUT_INVALID: {
    status: 502,
    title: 'The model did not produce output matching the schema',
    category: 'third_party',
    retryable: true,
    description:
      'A structured-output call got text that is not valid JSON for the schema, including after the bounded repair re-asks (`repairs` says how many). `issues` lists what was wrong with the last answer.',
  },
  GATEWAY_CALL_ABORTED: {
    status: 499,
    title: 'The client went away',
    category: 'user',
    retryable: false,
    description:
      'The client closed the connection before the answer was complete; the upstream model call was aborted (and its partial usage recorded). Seen in logs and the request log, not by clients.',
  },
  GATEWAY_CURSOR_INVALID: {
    status: 400,
    title: 'The cursor is not valid',
    category: 'user',
    retryable: false,
    description: 'The `cursor` query parameter is not one this API returned. Start again without it.',
  },
  GATEWAY_CIRCUIT_OPEN: {
    status: 503,
    title: 'Every deployment of this model is failing',
    category: 'third_party',
    retryable: true,
    description:
      'The circuit breaker of every deployment (fallbacks included) is open after repeated upstream failures, so Keel answers at once instead of waiting on a failing provider. `retry-after` says when one will be probed again.',
  },
});
