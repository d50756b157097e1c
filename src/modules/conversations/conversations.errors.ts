import { AppError, defineErrors } from '../../platform/errors/index.ts';

export const conversationErrors = defineErrors({
  CONVERSATIONS_NOT_FOUND: {
    status: 404,
    title: 'No such conversation',
    category: 'user',
    retryable: false,
    description:
      'No conversation with this id exists for your tenant (it may have been deleted, also while a `chat` reply was being written). Omit `conversation_id` to start a new one; `GET /v1/conversations` lists yours.',
  },
  CONVERSATIONS_LIST_CURSOR_INVALID: {
    status: 400,
    title: 'The cursor is not valid',
    category: 'user',
    retryable: false,
    description: 'Pass back the `next_cursor` of a previous page of `GET /v1/conversations` unchanged.',
  },
});

/** The 404 of an unknown conversation id, identical for another tenant's id. */
export function conversationNotFound(conversationId: string): AppError {
  return new AppError(conversationErrors.CONVERSATIONS_NOT_FOUND, {
    detail: `No conversation "${conversationId}" exists for your tenant.`,
  });
}
