import { defineErrors } from '../../platform/errors/index.ts';

export const capabilityErrors = defineErrors({
  CAPABILITY_OUTPUT_INVALID: {
    status: 502,
    title: 'The capability produced an output that breaks its contract',
    category: 'system',
    retryable: true,
    description:
      'The model or code behind the capability returned something its output schema rejects. Keel never passes such output on; `issues` lists what was wrong. Retrying may succeed with a probabilistic model.',
  },
  CAPABILITY_ABORTED: {
    status: 499,
    title: 'The request was cancelled',
    category: 'user',
    retryable: false,
    description:
      'The client went away before the capability finished; the model call was aborted. Seen in logs, not by clients.',
  },
});
