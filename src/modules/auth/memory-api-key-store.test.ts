import { describeApiKeyStoreContract } from '../../../test/contracts/api-key-store.contract.ts';
import { MemoryApiKeyStore } from './memory-api-key-store.ts';

describeApiKeyStoreContract('in memory', async () => new MemoryApiKeyStore());
