// The OpenAI-compatible surface at /openai/v1: chat completions (JSON and SSE), embeddings and models over
// the model gateway, with OpenAI's error shape, so existing OpenAI SDK clients work by changing the base URL.

export type { OpenAICompatRoutesOptions } from './openai-compat.routes.ts';
export { OPENAI_PREFIX, OPENAI_SCOPES, registerOpenAICompatRoutes } from './openai-compat.routes.ts';
export type { OpenAIErrorBody } from './openai-error.ts';
