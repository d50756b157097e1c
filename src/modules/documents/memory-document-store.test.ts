import { describeDocumentStoreContract } from '../../../test/contracts/document-store.contract.ts';
import { MemoryDocumentStore } from './memory-document-store.ts';

describeDocumentStoreContract('in memory', async () => new MemoryDocumentStore());
