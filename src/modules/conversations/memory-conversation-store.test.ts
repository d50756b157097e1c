import { describeConversationStoreContract } from '../../../test/contracts/conversation-store.contract.ts';
import { MemoryConversationStore } from './memory-conversation-store.ts';

describeConversationStoreContract('in memory', async () => new MemoryConversationStore());
