/** A rating: thumbs (`up`/`down`) or a 1-5 scale. */
export type Rating =
  | { readonly kind: 'thumbs'; readonly value: 'up' | 'down' }
  | { readonly kind: 'scale'; readonly value: number };

/** What a user said about one capability call. */
export interface Feedback {
  readonly id: string;
  readonly tenantId: string;
  readonly requestId: string;
  readonly capability: string;
  readonly rating: Rating | null;
  readonly label: string | null;
  readonly comment: string | null;
  /** A corrected output, valid for the capability's output schema. */
  readonly correction: unknown;
  readonly apiKeyId: string | null;
  readonly createdAt: Date;
}

export interface FeedbackQuery {
  readonly capability?: string | undefined;
  readonly requestId?: string | undefined;
  readonly label?: string | undefined;
  /** `up`/`down` for thumbs, `positive` (up or 4-5), `negative` (down or 1-2). */
  readonly rating?: 'up' | 'down' | 'positive' | 'negative' | undefined;
  readonly hasCorrection?: boolean | undefined;
  readonly limit: number;
  readonly cursor?: string | undefined;
}

export interface FeedbackPage {
  readonly items: readonly Feedback[];
  readonly nextCursor: string | null;
}

/** Storage of feedback; every read is scoped by tenant in the query itself. */
export interface FeedbackStore {
  create(feedback: Feedback): Promise<void>;
  get(tenantId: string, id: string): Promise<Feedback | undefined>;
  /** The ones of `ids` that exist for the tenant (any order). */
  getMany(tenantId: string, ids: readonly string[]): Promise<Feedback[]>;
  list(tenantId: string, query: FeedbackQuery): Promise<FeedbackPage>;
}

/** Whether a rating counts as positive or negative (3 of 5 is neither). */
export function polarity(rating: Rating | null): 'positive' | 'negative' | 'neutral' {
  if (rating === null) return 'neutral';
  if (rating.kind === 'thumbs') return rating.value === 'up' ? 'positive' : 'negative';
  return rating.value >= 4 ? 'positive' : rating.value <= 2 ? 'negative' : 'neutral';
}
