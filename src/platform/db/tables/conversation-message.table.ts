import type { CreatedAt } from './column-types.ts';

/** Owned by the conversations module (0006): keyed by (conversation_id, position). */
export interface ConversationMessageTable {
  conversation_id: string;
  position: number;
  tenant_id: string;
  /** `user` or `assistant` (a check constraint). */
  role: string;
  content: string;
  request_id: string;
  model: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  created_at: CreatedAt;
}
