import { expect, it } from 'vitest';
import {
  describeRequestLogStoreContract,
  requestRecord,
} from '../../../test/contracts/request-log-store.contract.ts';
import { describeOnEveryDatabase } from '../../../test/support/sql-suites.ts';
import { UNSAFE_TEXT } from '../../../test/support/unsafe-text.ts';
import type { Database } from '../../platform/db/index.ts';
import { RequestLogWriter } from './request-log-writer.ts';
import { SqlRequestLogStore } from './sql-request-log-store.ts';

async function freshTable(database: Database): Promise<SqlRequestLogStore> {
  await database.db.deleteFrom('request_log').execute();
  return new SqlRequestLogStore(database.db);
}

describeOnEveryDatabase('SqlRequestLogStore', (engine, database) => {
  describeRequestLogStoreContract(engine, () => freshTable(database()));

  it(`the writer stores every other row of a batch holding one the database refuses (${engine})`, async () => {
    const store = await freshTable(database());
    const quarantined: Array<[string, boolean]> = [];
    const errors: unknown[] = [];
    const writer = new RequestLogWriter(store, {
      flushIntervalMs: 60_000,
      onError: (error) => errors.push(error),
      onQuarantine: (_error, record, salvaged) => quarantined.push([record.id, salvaged]),
    });
    // Unsafe text is made safe on the way in; an integer out of range is what still poisons a row here.
    const poisoned = requestRecord({ id: 'poisoned', latencyMs: 2 ** 40 });
    const good = [
      ...UNSAFE_TEXT.map((text, index) =>
        requestRecord({ id: `unsafe-${index}`, tenantId: index % 2 ? 'tenant-b' : 'tenant-a', input: text }),
      ),
      ...Array.from({ length: 20 }, (_, index) =>
        requestRecord({ id: `good-${index}`, tenantId: 'tenant-c' }),
      ),
    ];
    for (const record of [...good.slice(0, 10), poisoned, ...good.slice(10)]) writer.write(record);
    await writer.close();
    for (const record of good) {
      expect(await store.get(record.tenantId, record.id), record.id).toBeDefined();
    }
    expect(await store.get(poisoned.tenantId, poisoned.id)).toBeUndefined();
    expect(quarantined).toEqual([['poisoned', false]]);
    expect(errors).toEqual([]);
  });
});
