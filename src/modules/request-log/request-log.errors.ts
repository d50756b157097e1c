import { defineErrors } from '../../platform/errors/index.ts';

export const requestLogErrors = defineErrors({
  REQUEST_LOG_NOT_FOUND: {
    status: 404,
    title: 'No such request',
    category: 'user',
    retryable: false,
    description:
      'No request with this id was logged for your tenant (entries are written a moment after the response).',
  },
  REQUEST_LOG_CURSOR_INVALID: {
    status: 400,
    title: 'The cursor is not valid',
    category: 'user',
    retryable: false,
    description: 'Pass back the `next_cursor` of a previous page unchanged.',
  },
});
