import { pageOf } from '../../platform/pagination/index.ts';
import { decodeCursor, encodeCursor } from './feedback.cursor.ts';
import {
  type Feedback,
  type FeedbackPage,
  type FeedbackQuery,
  type FeedbackStore,
  polarity,
} from './feedback.port.ts';

/** Feedback in process memory: tests and single-process use. */
export class MemoryFeedbackStore implements FeedbackStore {
  readonly #rows = new Map<string, Feedback>();

  async create(feedback: Feedback): Promise<void> {
    this.#rows.set(`${feedback.tenantId}\u0000${feedback.id}`, structuredClone(feedback));
  }

  async get(tenantId: string, id: string): Promise<Feedback | undefined> {
    const row = this.#rows.get(`${tenantId}\u0000${id}`);
    return row ? structuredClone(row) : undefined;
  }

  async getMany(tenantId: string, ids: readonly string[]): Promise<Feedback[]> {
    return ids.flatMap((id) => {
      const row = this.#rows.get(`${tenantId}\u0000${id}`);
      return row ? [structuredClone(row)] : [];
    });
  }

  async list(tenantId: string, query: FeedbackQuery): Promise<FeedbackPage> {
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const rows = [...this.#rows.values()]
      .filter((row) => row.tenantId === tenantId && matches(row, query))
      .sort(
        (a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0),
      )
      .filter(
        (row) =>
          after === undefined ||
          row.createdAt.getTime() < after.createdAt.getTime() ||
          (row.createdAt.getTime() === after.createdAt.getTime() && row.id < after.id),
      );
    return pageOf(rows, query.limit, (row) => structuredClone(row), encodeCursor);
  }
}

export function matches(row: Feedback, query: FeedbackQuery): boolean {
  if (query.capability !== undefined && row.capability !== query.capability) return false;
  if (query.requestId !== undefined && row.requestId !== query.requestId) return false;
  if (query.label !== undefined && row.label !== query.label) return false;
  if (
    query.hasCorrection !== undefined &&
    (row.correction !== null && row.correction !== undefined) !== query.hasCorrection
  )
    return false;
  if (query.rating === 'up' || query.rating === 'down') {
    return row.rating?.kind === 'thumbs' && row.rating.value === query.rating;
  }
  if (query.rating !== undefined) return polarity(row.rating) === query.rating;
  return true;
}
