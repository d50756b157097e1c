import { describeRequestLogStoreContract } from '../../../test/contracts/request-log-store.contract.ts';
import { MemoryRequestLogStore } from './memory-request-log-store.ts';

describeRequestLogStoreContract('in memory', async () => new MemoryRequestLogStore());
