import { defineErrors } from '../../platform/errors/index.ts';

export const feedbackErrors = defineErrors({
  FEEDBACK_REQUEST_NOT_FOUND: {
    status: 404,
    title: 'No such request to give feedback on',
    category: 'user',
    retryable: true,
    description:
      'Feedback refers to a `request_id` from the request log of your tenant (the `x-request-id` of a capability call, or `<job id>.<attempt>` for a job); entries appear a moment after the response.',
  },
  FEEDBACK_NOT_A_CAPABILITY_CALL: {
    status: 400,
    title: 'The request did not call a capability',
    category: 'user',
    retryable: false,
    description: 'Feedback is about a capability output; this request log entry has none.',
  },
  FEEDBACK_CORRECTION_INVALID: {
    status: 400,
    title: "The correction does not match the capability's output schema",
    category: 'user',
    retryable: false,
    description:
      "The correction, merged into the recorded output, must be a valid output of the request's capability; `errors` points at each field.",
  },
  FEEDBACK_EMPTY: {
    status: 400,
    title: 'The feedback says nothing',
    category: 'user',
    retryable: false,
    description: 'Give at least one of `rating`, `label`, `comment` or `correction`.',
  },
  FEEDBACK_NOT_FOUND: {
    status: 404,
    title: 'No such feedback',
    category: 'user',
    retryable: false,
    description: 'No feedback with this id exists for your tenant.',
  },
  FEEDBACK_CURSOR_INVALID: {
    status: 400,
    title: 'The cursor is not valid',
    category: 'user',
    retryable: false,
    description: 'Pass back the `next_cursor` of a previous page unchanged.',
  },
});
