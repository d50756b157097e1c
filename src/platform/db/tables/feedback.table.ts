import type { CreatedAt, NullableJsonValue } from './column-types.ts';

/** Owned by the feedback module (0007): keyed by (tenant_id, id). */
export interface FeedbackTable {
  tenant_id: string;
  id: string;
  request_id: string;
  capability: string;
  /** `thumbs` (value 1 up, 0 down) or `scale` (value 1-5); both null without a rating. */
  rating_kind: string | null;
  rating_value: number | null;
  label: string | null;
  comment: string | null;
  correction: NullableJsonValue;
  api_key_id: string | null;
  created_at: CreatedAt;
}
