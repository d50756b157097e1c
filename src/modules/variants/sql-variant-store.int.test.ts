import { describeVariantStoreContract } from '../../../test/contracts/variant-store.contract.ts';
import { describeOnEveryDatabase } from '../../../test/support/sql-suites.ts';
import { SqlVariantStore } from './sql-variant-store.ts';

describeOnEveryDatabase('SqlVariantStore', (engine, database) => {
  describeVariantStoreContract(engine, async () => {
    for (const table of ['variant_observation', 'variant_event', 'variant_policy', 'variant'] as const) {
      await database().db.deleteFrom(table).execute();
    }
    return new SqlVariantStore(database().db);
  });
});
