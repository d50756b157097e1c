import { describeVariantStoreContract } from '../../../test/contracts/variant-store.contract.ts';
import { MemoryVariantStore } from './memory-variant-store.ts';

describeVariantStoreContract('memory', async () => new MemoryVariantStore());
