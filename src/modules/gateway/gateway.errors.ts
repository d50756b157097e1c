import { defineErrors } from '../../platform/errors/index.ts';

export const gatewayErrors = defineErrors({
  MODEL_NOT_CONFIGURED: {
    status: 503,
    title: 'No generative model is configured',
    category: 'system',
    retryable: false,
    description:
      'This capability needs a generative model and none is configured. Set `OPENAI_API_KEY` (OpenAI), or `OPENAI_BASE_URL` and `KEEL_MODEL` (any OpenAI-compatible server such as Ollama, vLLM, llama.cpp or LM Studio), then restart. Keel never invents an answer.',
  },
  GATEWAY_RATE_LIMITED: {
    status: 429,
    title: 'The model provider is rate limiting',
    category: 'third_party',
    retryable: true,
    description:
      'The upstream provider answered 429. `retry-after` is passed on when the provider sent one; `upstreamStatus` gives its status.',
  },
  GATEWAY_PROVIDER_TIMEOUT: {
    status: 504,
    title: 'The model provider did not answer in time',
    category: 'third_party',
    retryable: true,
    description:
      'The provider did not answer before the deadline (or answered 408). Retrying later may succeed.',
  },
  GATEWAY_UPSTREAM_ERROR: {
    status: 502,
    title: 'The model provider failed',
    category: 'third_party',
    retryable: true,
    description:
      'The provider answered with an error status, an unreadable body, an error inside a 200, or dropped the connection. `upstreamStatus` gives its status when there was one.',
  },
  GATEWAY_REQUEST_REJECTED: {
    status: 502,
    title: 'The model provider rejected the request',
    category: 'third_party',
    retryable: false,
    description:
      'The provider answered 4xx (other than 408 and 429), for example an unknown model, a bad key or a prompt over the context window. Check `KEEL_MODEL` and the provider key; `upstreamStatus` gives its status.',
  },
});
