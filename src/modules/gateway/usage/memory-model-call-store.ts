import { pageOf } from '../../../platform/pagination/index.ts';
import { decodeCursor, encodeCursor } from './model-call.cursor.ts';
import type { ModelCallRecord } from './model-call.ts';
import type { ModelCallPage, ModelCallQuery, ModelCallStore } from './model-call-store.port.ts';

/** Model-call accounting in process memory: tests and the embedded console without a database. */
export class MemoryModelCallStore implements ModelCallStore {
  readonly #rows: Array<{ record: ModelCallRecord; sequence: number }> = [];
  readonly #ids = new Set<string>();
  #sequence = 0;

  async append(records: readonly ModelCallRecord[]): Promise<void> {
    for (const record of records) {
      if (this.#ids.has(record.id)) continue;
      this.#ids.add(record.id);
      this.#rows.push({ record: structuredClone(record), sequence: ++this.#sequence });
    }
  }

  async spendSince(subject: string, since: Date): Promise<number> {
    let spent = 0;
    for (const { record } of this.#rows) {
      if (record.subject === subject && record.createdAt >= since) spent += record.costUsd ?? 0;
    }
    return spent;
  }

  async list(tenantId: string, query: ModelCallQuery): Promise<ModelCallPage> {
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const rows = this.#rows
      .filter((row) => row.record.tenantId === tenantId)
      .filter((row) => query.requestId === undefined || row.record.requestId === query.requestId)
      .filter((row) => {
        if (after === undefined) return true;
        const time = row.record.createdAt.getTime();
        const cursorTime = after.createdAt.getTime();
        return time < cursorTime || (time === cursorTime && row.sequence < Number(after.sequence));
      })
      .sort((a, b) => b.record.createdAt.getTime() - a.record.createdAt.getTime() || b.sequence - a.sequence);
    return pageOf(
      rows,
      query.limit,
      (row) => structuredClone(row.record),
      (last) => encodeCursor({ createdAt: last.record.createdAt, sequence: String(last.sequence) }),
    );
  }
}
