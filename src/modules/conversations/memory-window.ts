import { countTokens } from '../gateway/index.ts';
import type { MessageRecord } from './conversation.ts';

/**
 * How much of a conversation's stored history a turn sends to the model. The full history stays stored;
 * only the window is sent.
 */
export interface ConversationWindow {
  /** At most this many earlier messages (user and assistant alike). 0 sends none. */
  readonly maxMessages: number;
  /**
   * Token budget (o200k_base) of the system prompt, the window and the new message together. The system
   * prompt and the new message are always sent; older messages are dropped, oldest first, until it fits.
   */
  readonly maxTokens: number;
}

export const DEFAULT_CONVERSATION_WINDOW: ConversationWindow = Object.freeze({
  maxMessages: 20,
  maxTokens: 4_000,
});

// Chat formats spend a few tokens per message on the role and separators.
const TOKENS_PER_MESSAGE = 3;

/**
 * The messages of `history` (oldest first) that fit the window next to `fixedText` (the system prompt and
 * the new message): the most recent ones, contiguous, starting with a user message so providers that require
 * a user turn first accept it.
 */
export async function selectWindow(
  history: readonly MessageRecord[],
  window: ConversationWindow,
  fixedText: readonly string[],
): Promise<MessageRecord[]> {
  let budget = window.maxTokens;
  for (const text of fixedText) budget -= (await countTokens(text)) + TOKENS_PER_MESSAGE;
  const candidates = window.maxMessages <= 0 ? [] : history.slice(-window.maxMessages);
  let start = candidates.length;
  while (start > 0) {
    const message = candidates[start - 1] as MessageRecord;
    const cost = (await countTokens(message.content)) + TOKENS_PER_MESSAGE;
    if (cost > budget) break;
    budget -= cost;
    start -= 1;
  }
  while (start < candidates.length && candidates[start]?.role !== 'user') start += 1;
  return candidates.slice(start);
}
