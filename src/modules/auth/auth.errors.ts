import { defineErrors } from '../../platform/errors/index.ts';

export const authErrors = defineErrors({
  AUTH_REQUIRED: {
    status: 401,
    title: 'Authentication required',
    category: 'user',
    retryable: false,
    description: 'This Keel requires an API key: send `Authorization: Bearer <key>`.',
  },
  AUTH_INVALID: {
    status: 401,
    title: 'The API key is not valid',
    category: 'user',
    retryable: false,
    description:
      'The bearer token is not a key this Keel accepts. Keys are never accepted in the query string.',
  },
});
