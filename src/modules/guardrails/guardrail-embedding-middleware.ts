import type { EmbeddingModelV4Middleware } from '@ai-sdk/provider';
import type { GuardrailSession } from './guardrail-session.ts';

/**
 * The guardrails of one call over what it sends to an embedding model: each value passes the `input`
 * policies, outermost, so accounting and the provider only see redacted text (decision 0181). `model`: the
 * call is the whole request (`/openai/v1/embeddings`): block, redact and flag run and are recorded.
 * `invocation`: a capability's embeddings, whose input the invoker checked already: redactions only, silently.
 */
export function guardrailEmbeddingMiddleware(
  session: GuardrailSession,
  options: { readonly entry: 'invocation' | 'model' },
): EmbeddingModelV4Middleware {
  const policies =
    options.entry === 'model'
      ? session.at('input')
      : session.at('input').filter((policy) => policy.action === 'redact');
  return {
    specificationVersion: 'v4',
    transformParams: async ({ params }) => {
      if (policies.length === 0) return params;
      const values: string[] = [];
      for (const value of params.values) {
        values.push(await session.checkText(value, 'input', { policies, record: options.entry === 'model' }));
      }
      return { ...params, values };
    },
  };
}
