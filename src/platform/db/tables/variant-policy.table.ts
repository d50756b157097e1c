import type { JsonValue, Timestamp } from './column-types.ts';

/** Owned by the variants module (0012): one traffic policy per capability, changed under its revision. */
export interface VariantPolicyTable {
  capability: string;
  stable_version: number | null;
  canary_version: number | null;
  canary_percent: number | null;
  shadows: JsonValue;
  auto_rollback: JsonValue;
  revision: number;
  updated_at: Timestamp;
}
