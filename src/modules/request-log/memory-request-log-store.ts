import { pageOf } from '../../platform/pagination/index.ts';
import { decodeCursor, encodeCursor } from './request-log.cursor.ts';
import type { RequestLogPage, RequestLogQuery, RequestLogStore, RequestRecord } from './request-log.port.ts';

/** In-memory adapter for unit tests and as the reference behaviour of the contract suite. */
export class MemoryRequestLogStore implements RequestLogStore {
  readonly #rows: Array<{ record: RequestRecord; sequence: bigint }> = [];
  #sequence = 0n;

  async append(records: readonly RequestRecord[]): Promise<void> {
    for (const record of records) {
      if (this.#rows.some((row) => row.record.id === record.id && row.record.tenantId === record.tenantId))
        continue;
      this.#sequence += 1n;
      this.#rows.push({ record: structuredClone(withDefaults(record)), sequence: this.#sequence });
    }
  }

  async spendSince(apiKeyId: string | null, since: Date): Promise<number> {
    return this.#rows
      .filter((row) => (row.record.apiKeyId ?? null) === apiKeyId && row.record.createdAt >= since)
      .reduce((total, row) => total + (row.record.costUsd ?? 0), 0);
  }

  async deleteOlderThan(cutoff: Date): Promise<number> {
    const before = this.#rows.length;
    const kept = this.#rows.filter((row) => row.record.createdAt >= cutoff);
    this.#rows.splice(0, this.#rows.length, ...kept);
    return before - kept.length;
  }

  async get(tenantId: string, id: string): Promise<RequestRecord | undefined> {
    const row = this.#rows.find(
      (candidate) => candidate.record.id === id && candidate.record.tenantId === tenantId,
    );
    return row ? structuredClone(row.record) : undefined;
  }

  async list(tenantId: string, query: RequestLogQuery): Promise<RequestLogPage> {
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const rows = this.#rows
      .filter((row) => row.record.tenantId === tenantId)
      .filter((row) => query.capability === undefined || row.record.capability === query.capability)
      .filter((row) => query.guardrail === undefined || hasDecision(row.record, query.guardrail))
      .sort((a, b) => compareDescending(a, b))
      .filter((row) => !after || isOlder(row, after.createdAt, BigInt(after.sequence)));
    return pageOf(
      rows,
      query.limit,
      (row) => structuredClone(row.record),
      (last) => encodeCursor({ createdAt: last.record.createdAt, sequence: String(last.sequence) }),
    );
  }
}

type Row = { record: RequestRecord; sequence: bigint };

/** Whether one of the record's guardrail decisions has every field the filter names. */
function hasDecision(record: RequestRecord, filter: NonNullable<RequestLogQuery['guardrail']>): boolean {
  return (record.guardrails ?? []).some(
    (decision) =>
      (filter.policy === undefined || decision.policy === filter.policy) &&
      (filter.stage === undefined || decision.stage === filter.stage) &&
      (filter.action === undefined || decision.action === filter.action),
  );
}

/** Records come back with every column set, as the SQL adapter returns them. */
function withDefaults(record: RequestRecord): RequestRecord {
  return {
    ...record,
    apiKeyId: record.apiKeyId ?? null,
    method: record.method ?? null,
    route: record.route ?? null,
    costUsd: record.costUsd ?? 0,
    traceId: record.traceId ?? null,
    variant: record.variant ?? null,
  };
}

function compareDescending(a: Row, b: Row): number {
  const byTime = b.record.createdAt.getTime() - a.record.createdAt.getTime();
  return byTime !== 0 ? byTime : Number(b.sequence - a.sequence);
}

function isOlder(row: Row, createdAt: Date, sequence: bigint): boolean {
  const time = row.record.createdAt.getTime();
  return time < createdAt.getTime() || (time === createdAt.getTime() && row.sequence < sequence);
}
