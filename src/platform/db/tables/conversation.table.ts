import type { Generated } from 'kysely';
import type { CreatedAt, Timestamp } from './column-types.ts';

/** Owned by the conversations module (0006); `message_count` is the last message's position. */
export interface ConversationTable {
  id: string;
  tenant_id: string;
  title: string;
  system: string | null;
  message_count: number;
  created_at: CreatedAt;
  updated_at: Timestamp;
  sequence: Generated<string>;
}
