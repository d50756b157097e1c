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
      'The bearer token is not a key this Keel accepts (unknown, mistyped or malformed). The key is never echoed back.',
  },
  AUTH_KEY_EXPIRED: {
    status: 401,
    title: 'The API key has expired',
    category: 'user',
    retryable: false,
    description: 'The key passed its `expires_at`. Ask an administrator for a new key.',
  },
  AUTH_KEY_REVOKED: {
    status: 401,
    title: 'The API key was revoked',
    category: 'user',
    retryable: false,
    description: 'An administrator revoked this key. Ask for a new one.',
  },
  AUTH_KEY_IN_QUERY: {
    status: 400,
    title: 'API keys are not accepted in the query string',
    category: 'user',
    retryable: false,
    description:
      'A parameter such as `api_key`, `key`, `token` or `access_token` was sent in the URL, where proxies and logs keep it. Send the key in `Authorization: Bearer <key>` instead, and consider this one exposed.',
  },
  AUTH_SCOPE_MISSING: {
    status: 403,
    title: 'The API key lacks the scope this route needs',
    category: 'user',
    retryable: false,
    description:
      'The key is valid but not allowed here. `required_scope` names the scope the route needs (for example `capability:generate`, `documents:write` or `admin`).',
  },
  AUTH_KEY_NOT_FOUND: {
    status: 404,
    title: 'No such API key',
    category: 'user',
    retryable: false,
    description: 'No API key has this id.',
  },
  AUTH_KEY_LIST_CURSOR_INVALID: {
    status: 400,
    title: 'The cursor is not valid',
    category: 'user',
    retryable: false,
    description: 'Pass back the `next_cursor` of a previous page of keys unchanged.',
  },
});
