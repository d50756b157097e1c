import { type Kysely, type Selectable, sql } from 'kysely';
import { jsonParameter, type KeelTables } from '../../platform/db/index.ts';
import { pageOf } from '../../platform/pagination/index.ts';
import { decodeCursor, encodeCursor } from './feedback.cursor.ts';
import type { Feedback, FeedbackPage, FeedbackQuery, FeedbackStore, Rating } from './feedback.port.ts';

type FeedbackRow = Selectable<KeelTables['feedback']>;

/** Feedback in PostgreSQL or PGlite (same SQL for both). */
export class SqlFeedbackStore implements FeedbackStore {
  readonly #db: Kysely<KeelTables>;

  constructor(db: Kysely<KeelTables>) {
    this.#db = db;
  }

  async create(feedback: Feedback): Promise<void> {
    await this.#db
      .insertInto('feedback')
      .values({
        tenant_id: feedback.tenantId,
        id: feedback.id,
        request_id: feedback.requestId,
        capability: feedback.capability,
        rating_kind: feedback.rating?.kind ?? null,
        // Thumbs are stored as 1 (up) / 0 (down), scales as 1-5.
        rating_value:
          feedback.rating === null
            ? null
            : feedback.rating.kind === 'thumbs'
              ? feedback.rating.value === 'up'
                ? 1
                : 0
              : feedback.rating.value,
        label: feedback.label,
        comment: feedback.comment,
        correction:
          feedback.correction === null || feedback.correction === undefined
            ? null
            : jsonParameter(feedback.correction),
        api_key_id: feedback.apiKeyId,
        created_at: feedback.createdAt,
      })
      .execute();
  }

  async get(tenantId: string, id: string): Promise<Feedback | undefined> {
    const row = await this.#db
      .selectFrom('feedback')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toFeedback(row) : undefined;
  }

  async getMany(tenantId: string, ids: readonly string[]): Promise<Feedback[]> {
    if (ids.length === 0) return [];
    const rows = await this.#db
      .selectFrom('feedback')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', 'in', [...ids])
      .execute();
    return rows.map(toFeedback);
  }

  async list(tenantId: string, query: FeedbackQuery): Promise<FeedbackPage> {
    let statement = this.#db.selectFrom('feedback').selectAll().where('tenant_id', '=', tenantId);
    if (query.capability !== undefined) statement = statement.where('capability', '=', query.capability);
    if (query.requestId !== undefined) statement = statement.where('request_id', '=', query.requestId);
    if (query.label !== undefined) statement = statement.where('label', '=', query.label);
    if (query.hasCorrection !== undefined)
      statement = statement.where('correction', query.hasCorrection ? 'is not' : 'is', null);
    if (query.rating === 'up' || query.rating === 'down') {
      statement = statement
        .where('rating_kind', '=', 'thumbs')
        .where('rating_value', '=', query.rating === 'up' ? 1 : 0);
    } else if (query.rating === 'positive') {
      statement = statement.where(
        sql<boolean>`((rating_kind = 'thumbs' and rating_value = 1) or (rating_kind = 'scale' and rating_value >= 4))`,
      );
    } else if (query.rating === 'negative') {
      statement = statement.where(
        sql<boolean>`((rating_kind = 'thumbs' and rating_value = 0) or (rating_kind = 'scale' and rating_value <= 2))`,
      );
    }
    if (query.cursor !== undefined) {
      const after = decodeCursor(query.cursor);
      statement = statement.where(sql<boolean>`(created_at, id) < (${after.createdAt}, ${after.id})`);
    }
    const rows = await statement
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(query.limit + 1)
      .execute();
    return pageOf(rows, query.limit, toFeedback, (last) => encodeCursor(toFeedback(last)));
  }
}

function toFeedback(row: FeedbackRow): Feedback {
  let rating: Rating | null = null;
  if (row.rating_kind === 'thumbs')
    rating = { kind: 'thumbs', value: row.rating_value === 1 ? 'up' : 'down' };
  else if (row.rating_kind === 'scale' && row.rating_value !== null)
    rating = { kind: 'scale', value: row.rating_value };
  return {
    id: row.id,
    tenantId: row.tenant_id,
    requestId: row.request_id,
    capability: row.capability,
    rating,
    label: row.label,
    comment: row.comment,
    correction: row.correction ?? null,
    apiKeyId: row.api_key_id,
    createdAt: new Date(row.created_at),
  };
}
