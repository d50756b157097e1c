import { defineErrors } from '../../platform/errors/index.ts';

export const guardrailErrors = defineErrors({
  GUARDRAIL_BLOCKED: {
    status: 422,
    title: 'A guardrail blocked the request',
    category: 'user',
    retryable: false,
    description:
      'A guardrail policy with the `block` action found what it looks for: in the input, a retrieved text or the output. `policy` names it, `stage` says where (`input`, `retrieved`, `output`) and `kinds` what was found (never the text itself). In a stream the call ends with an `error` event carrying this problem before the offending text is sent. See docs/guardrails.md.',
  },
});
