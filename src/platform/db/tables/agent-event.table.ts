import type { JSONColumnType } from 'kysely';
import type { CreatedAt } from './column-types.ts';

/** Owned by the agents module (0008): a run's ordered events; `id` counts from 1 within the run. */
export interface AgentEventTable {
  run_id: string;
  id: number;
  type: string;
  data: JSONColumnType<Record<string, unknown>>;
  created_at: CreatedAt;
}
